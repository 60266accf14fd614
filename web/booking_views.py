"""The public booking page of an organization, /b/<org-slug>/: no account needed.

Service -> staff member (or anyone) -> day (a week at a time) -> time -> contact details ->
confirmation, email with a calendar entry and a signed link to manage the booking (cancel
before the deadline, or move to another free time).

The choices (service, staff, week, day, time) travel in query parameters and hidden fields;
they are not personal data. Name, email and phone travel only in POST bodies, never in a URL.
Every change is a POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.online_payments import payment_of_appointment
from billing.series_booking import held_card, series_cards_for
from booking.models import Appointment, AppointmentState, Resource, Service
from booking.notifications import (
    appointment_id_from_token,
    manage_token,
)
from booking.online import CHANGEABLE, book_online, changeable_online, online_cancel, online_move
from booking.selectors import free_slots, qualified_staff
from booking.services import (
    SlotTaken,
    cancellation_deadline,
)
from booking.showcase import booking_page_for, opening_hours, sections, shown_staff
from clients.portal import client_actor
from kernel.audit import client_ip, record_many
from kernel.models import AuditAction
from notify.series_reactions import book_online_with_card
from tenancy.models import Organization
from tenancy.public import public_organization
from tenancy.public_writes import WriteRefused, booking_challenge, check_public_booking, count_public_write
from tilli.errors import DomainError
from tilli.lib.addresses import address_of, map_link
from tilli.lib.dates import parse_day, parse_instant
from tilli.lib.text import validate_clean_text
from tilli.lib.translated import pick
from web.form_errors import apply_errors
from web.payment_public_views import add_acceptance, book_and_pay, payment_step

ANYONE = "any"
WEEK = 7


# --- the organization, its language, and what the visitor chose -------------------------------------



def _bookable_services(organization: Organization):
    return (Service.objects.for_organization(organization).filter(online_bookable=True, is_active=True)
            .order_by("name", "pk"))


def _service(organization: Organization, value: str | None) -> Service:
    try:
        pk = int(value or "")
    except ValueError:
        raise Http404 from None
    return get_object_or_404(_bookable_services(organization), pk=pk)


def _staff(service: Service, value: str | None) -> Resource | None:
    """The chosen staff member, or None for "anyone"; 404 for someone who does not do the service."""
    if value in (None, "", ANYONE):
        return None
    try:
        pk = int(value)
    except ValueError:
        raise Http404 from None
    for resource in qualified_staff(service):
        if resource.pk == pk:
            return resource
    raise Http404


def _zone(organization: Organization, service: Service, staff: Resource | None) -> ZoneInfo:
    """The time zone of the location where the service is given."""
    if staff is not None:
        return ZoneInfo(staff.location.time_zone)
    candidates = qualified_staff(service)
    return ZoneInfo(candidates[0].location.time_zone if candidates else organization.time_zone)


def _start_value(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")}, safe=":")


# --- the week calendar, shared by booking and moving ----------------------------------------------------

@dataclass
class Day:
    date: date
    times: int
    href: str
    selected: bool


@dataclass
class Time:
    start: datetime
    value: str
    href: str
    current: bool = False


def _calendar(*, service: Service, staff: Resource | None, zone: ZoneInfo, base: str, week: str | None,
              day: str | None, params: dict, time_href: str | None = None, ignore_appointment_id=None,
              current: datetime | None = None) -> dict:
    """A week of days with their free times (limits applied), and the times of the chosen day.

    `base` is the page's URL and `params` its other query parameters; with `time_href` times are links
    (to the details step), otherwise they are the values of a POST form.
    """
    today = timezone.now().astimezone(zone).date()
    last = today + timedelta(days=service.max_advance_days)
    chosen_day = parse_day(day)
    first = parse_day(week)
    if first is None:  # the week from today, unless the chosen day lies further ahead
        first = chosen_day if chosen_day and chosen_day >= today + timedelta(days=WEEK) else today
    first = min(max(first, today), last)
    week_end = first + timedelta(days=WEEK - 1)
    slots = free_slots(service, first, week_end, staff=staff, apply_limits=True,
                       ignore_appointment_id=ignore_appointment_id)
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        times = by_day.setdefault(local.date(), [])
        if not times or times[-1] != local:
            times.append(local)
    week_value = first.isoformat()
    days = [Day(d, len(by_day.get(d, [])), base + _query(**params, week=week_value, day=d.isoformat()) + "#times",
                d == chosen_day)
            for d in (first + timedelta(days=i) for i in range(WEEK))]
    times = []
    if chosen_day is not None:
        for start in by_day.get(chosen_day, []):
            value = _start_value(start)
            href = time_href + _query(**params, start=value) if time_href else ""
            times.append(Time(start, value, href, current is not None and start == current))
    previous = first - timedelta(days=WEEK)
    return {
        "days": days,
        "times": times,
        "chosen_day": chosen_day if chosen_day and first <= chosen_day <= week_end else None,
        "week_start": first, "week_end": week_end,
        "week_has_times": bool(by_day),
        "previous_href": base + _query(**params, week=max(previous, today).isoformat()) if first > today else "",
        "next_href": base + _query(**params, week=(first + timedelta(days=WEEK)).isoformat())
        if week_end < last else "",
        "time_zone": str(zone),
    }


# --- steps ---------------------------------------------------------------------------------------------

def services(request, booking_slug: str):
    """The business's front page: who it is, where, when it is open, and its services to book."""
    organization = public_organization(booking_slug, request)
    language = request.LANGUAGE_CODE
    bookable, hrefs = [], {}
    for service in _bookable_services(organization):
        staff = qualified_staff(service)
        if not staff:
            continue
        bookable.append(service)
        if len(staff) == 1:
            hrefs[service.pk] = reverse("public_booking:times", args=[organization.slug]) + _query(
                service=service.pk, staff=staff[0].pk)
        else:
            hrefs[service.pk] = reverse("public_booking:staff", args=[organization.slug]) + _query(service=service.pk)
    shown_sections = sections(organization, bookable, language)
    for section in shown_sections:
        for shown in section.services:
            shown.href = hrefs[shown.service.pk]
    page = booking_page_for(organization)
    today = timezone.now().astimezone(ZoneInfo(organization.time_zone)).date()
    return render(request, "booking/services.html", {
        "booking_org": organization, "page": page, "sections": shown_sections,
        "description": pick(page.description, language, organization.default_language),
        "address": address_of(organization), "map_href": map_link(organization),
        "opening_hours": _opening_rows(opening_hours(organization, today)),
        "staff_cards": shown_staff(organization, language)})


def _opening_rows(days) -> list[dict]:
    names = dict(WEEKDAYS)
    return [{"day": names[day.weekday], "opens": day.opens, "closes": day.closes} for day in days]


def staff(request, booking_slug: str):
    organization = public_organization(booking_slug, request)
    service = _service(organization, request.GET.get("service"))
    times = reverse("public_booking:times", args=[organization.slug])
    choices = [{"name": _("Anyone available"), "href": times + _query(service=service.pk, staff=ANYONE),
                "anyone": True}]
    choices += [{"name": r.name, "href": times + _query(service=service.pk, staff=r.pk)}
                for r in qualified_staff(service)]
    return render(request, "booking/staff.html", {"booking_org": organization, "service": service,
                                                  "choices": choices})


def times(request, booking_slug: str):
    organization = public_organization(booking_slug, request)
    service = _service(organization, request.GET.get("service"))
    chosen = _staff(service, request.GET.get("staff"))
    zone = _zone(organization, service, chosen)
    params = {"service": service.pk, "staff": chosen.pk if chosen else ANYONE}
    with timezone.override(zone):
        calendar = _calendar(service=service, staff=chosen, zone=zone,
                             base=reverse("public_booking:times", args=[organization.slug]),
                             week=request.GET.get("week"), day=request.GET.get("day"), params=params,
                             time_href=reverse("public_booking:details", args=[organization.slug]))
        return render(request, "booking/times.html", {
            "booking_org": organization, "service": service, "staff": chosen, "calendar": calendar,
            "several_staff": len(qualified_staff(service)) > 1,
            "staff_href": reverse("public_booking:staff", args=[organization.slug]) + _query(service=service.pk)})


class DetailsForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, validators=[validate_clean_text],
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, validators=[validate_clean_text],
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.CharField(label=gettext_lazy("Email"), max_length=254,
                            help_text=gettext_lazy("We send the confirmation here."),
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=30,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    wishes = forms.CharField(label=gettext_lazy("Wishes (optional)"), required=False, max_length=1000,
                             validators=[validate_clean_text],
                             widget=forms.Textarea(attrs={"rows": 3, "class": "prose"}))
    marketing_email = forms.BooleanField(label=gettext_lazy("Send me offers and news by email"), required=False)
    marketing_sms = forms.BooleanField(label=gettext_lazy("Send me offers and news by text message (SMS)"),
                                       required=False)

    def __init__(self, *args, series_card: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if series_card:  # the service has series cards: the visit may be paid with one (its code is a secret:
            # it travels only in this POST body, never in a URL or a log)
            self.fields["card_code"] = forms.CharField(
                label=gettext_lazy("Series card code (optional)"), required=False, max_length=30,
                help_text=gettext_lazy("Have a series card for this service? Type its code and the visit is paid "
                                       "with it."),
                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                              "spellcheck": "false"}))
            self.order_fields(["first_name", "last_name", "email", "phone", "wishes", "card_code"])



def details(request, booking_slug: str):
    organization = public_organization(booking_slug, request)
    source = request.POST if request.method == "POST" else request.GET
    service = _service(organization, source.get("service"))
    chosen = _staff(service, source.get("staff"))
    zone = _zone(organization, service, chosen)
    start = parse_instant(source.get("start"))
    if start is None:
        raise Http404
    form = DetailsForm(request.POST or None,
                       series_card=series_cards_for(organization=organization, service_id=service.pk))
    # a prepayment, deposit or card guarantee: paid before booking, under the policy in the page's language
    pay = payment_step(organization, service, request.LANGUAGE_CODE)
    if pay is not None:
        add_acceptance(form, pay)
    taken = False
    if request.method == "POST":
        try:
            count_public_write(request)  # every attempt counts, a valid one or not
        except WriteRefused as refused:
            form.is_valid()
            form.add_error(None, refused.message)
    if request.method == "POST" and form.is_valid():
        try:
            check_public_booking(request=request, organization=organization, email=form.cleaned_data["email"],
                                 challenge=request.POST.get("challenge", ""), proof=request.POST.get("proof", ""),
                                 counted=True)
        except WriteRefused as refused:
            form.add_error(None, refused.message)
        else:
            data = form.cleaned_data
            booking = dict(organization=organization, service=service, staff=chosen, start=start, person=data,
                           wishes=data["wishes"], marketing_email=data["marketing_email"],
                           marketing_sms=data["marketing_sms"], ip=client_ip(request), language=request.LANGUAGE_CODE)
            try:
                if data.get("card_code", "").strip():
                    appointment = book_online_with_card(**booking, card_code=data["card_code"])
                elif pay is not None:
                    return book_and_pay(request, booking)  # the time is held; on to the gateway's payment page
                else:
                    appointment = book_online(**booking)
            except SlotTaken:  # before ValidationError: a taken time shows the day's other times, not a form error
                taken = True
            except DomainError as error:  # a series card that cannot pay: said beside its field
                form.add_error("card_code" if "card_code" in form.fields and str(error.code).startswith("series_card")
                               else None, error.message)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("public_booking:booked", booking_slug=organization.slug,
                                token=manage_token(appointment))
    params = {"service": service.pk, "staff": chosen.pk if chosen else ANYONE}
    times_url = reverse("public_booking:times", args=[organization.slug])
    local_day = start.astimezone(zone).date().isoformat()
    with timezone.override(zone):
        context = {
            "booking_org": organization, "service": service, "staff": chosen, "start": start.astimezone(zone),
            "start_value": _start_value(start), "form": form, "params": params, "taken": taken,
            "time_zone": str(zone), "challenge": booking_challenge(organization), "pay": pay,
            "proof_bits": settings.PUBLIC_WRITES_PROOF_BITS,
            "change_href": times_url + _query(**params, week=local_day, day=local_day) + "#times",
        }
        if taken:
            calendar = _calendar(service=service, staff=chosen, zone=zone, base=times_url, week=local_day,
                                 day=local_day, params=params)
            if not calendar["times"]:  # nothing left that day: offer the week's days instead
                calendar = _calendar(service=service, staff=chosen, zone=zone, base=times_url, week=local_day,
                                     day=None, params=params,
                                     time_href=reverse("public_booking:details", args=[organization.slug]))
            context["calendar"] = calendar
        return render(request, "booking/details.html", context, status=409 if taken else 200)


# --- after booking: confirmation and the signed manage link ------------------------------------------------

def _appointment(organization: Organization, token: str) -> Appointment:
    pk = appointment_id_from_token(token, organization.pk)
    if pk is None:
        raise Http404
    return get_object_or_404(
        Appointment.objects.for_organization(organization).select_related("service", "staff", "location", "client"),
        pk=pk)


def _view_audited(request, appointment: Appointment) -> None:
    if appointment.client_id:
        record_many(organization=appointment.organization, actor=client_actor(request, appointment.client),
                    action=AuditAction.VIEW, object_type=Appointment._meta.label_lower,
                    subjects=[(appointment.pk, appointment.client.subject_ref)], detail={"via": "booking link"})


def _appointment_context(organization: Organization, appointment: Appointment, token: str) -> dict:
    deadline = cancellation_deadline(appointment)
    return {
        "booking_org": organization, "appointment": appointment, "token": token, "deadline": deadline,
        "online_payment": payment_of_appointment(appointment), "now": timezone.now(),
        "changeable": changeable_online(appointment),
        "active": appointment.state in CHANGEABLE, "cancelled": appointment.state == AppointmentState.CANCELLED,
        "past_deadline": appointment.state in CHANGEABLE and timezone.now() >= deadline,
        "time_zone": appointment.location.time_zone,
        "manage_href": reverse("public_booking:manage", args=[organization.slug, token]),
    }


def booked(request, booking_slug: str, token: str):
    organization = public_organization(booking_slug)
    appointment = _appointment(organization, token)
    public_organization(booking_slug, request, appointment.client)
    _view_audited(request, appointment)
    context = _appointment_context(organization, appointment, token)
    context["series_card"] = held_card(organization_id=organization.pk, appointment_id=appointment.pk)
    with timezone.override(ZoneInfo(appointment.location.time_zone)):
        return render(request, "booking/booked.html", context)


def manage(request, booking_slug: str, token: str):
    organization = public_organization(booking_slug)
    appointment = _appointment(organization, token)
    public_organization(booking_slug, request, appointment.client)
    _view_audited(request, appointment)
    zone = ZoneInfo(appointment.location.time_zone)
    context = _appointment_context(organization, appointment, token)
    with timezone.override(zone):
        if context["changeable"]:
            local_day = appointment.start.astimezone(zone).date()
            context["calendar"] = _calendar(
                service=appointment.service, staff=appointment.staff, zone=zone, base=context["manage_href"],
                week=request.GET.get("week"), day=request.GET.get("day") or local_day.isoformat(), params={},
                time_href=reverse("public_booking:move", args=[organization.slug, token]),
                ignore_appointment_id=appointment.pk, current=appointment.start)
        return render(request, "booking/manage.html", context)


def _write_refused(request) -> bool:
    """The caller's public-write limit; the booking's own state and deadline are the service's to check."""
    try:
        count_public_write(request)
    except WriteRefused as refused:
        messages.error(request, refused.message)
        return True
    return False


CONFIRMED = "yes"  # the confirmation page's form sends confirm=yes; nothing else changes a booking


def cancel(request, booking_slug: str, token: str):
    """GET asks "cancel this booking?", a POST from that page cancels. A link opened by a mail
    scanner or a single tap on the booking page changes nothing."""
    organization = public_organization(booking_slug)
    appointment = _appointment(organization, token)
    public_organization(booking_slug, request, appointment.client)
    context = _appointment_context(organization, appointment, token)
    if request.method != "POST" or request.POST.get("confirm") != CONFIRMED:
        if not context["changeable"]:
            return redirect(context["manage_href"])
        _view_audited(request, appointment)
        with timezone.override(ZoneInfo(appointment.location.time_zone)):
            return render(request, "booking/confirm_cancel.html", context)
    if not _write_refused(request):
        try:
            online_cancel(appointment=appointment, actor=client_actor(request, appointment.client))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your booking was cancelled."))
    return redirect(context["manage_href"])


def move(request, booking_slug: str, token: str):
    """GET (a time chosen on the booking page) asks "move to this time?", a POST from that page moves."""
    organization = public_organization(booking_slug)
    appointment = _appointment(organization, token)
    public_organization(booking_slug, request, appointment.client)
    context = _appointment_context(organization, appointment, token)
    target = context["manage_href"]
    source = request.POST if request.method == "POST" else request.GET
    start = parse_instant(source.get("start"))
    if start is None:
        messages.error(request, _("Choose a time."))
        return redirect(target)
    zone = ZoneInfo(appointment.location.time_zone)
    if request.method != "POST" or request.POST.get("confirm") != CONFIRMED:
        if not context["changeable"]:
            return redirect(target)
        _view_audited(request, appointment)
        with timezone.override(zone):
            return render(request, "booking/confirm_move.html", {
                **context, "new_start": start.astimezone(zone),
                "new_end": (start + (appointment.end - appointment.start)).astimezone(zone),
                "start_value": _start_value(start)})
    if not _write_refused(request):
        try:
            online_move(appointment=appointment, start=start, actor=client_actor(request, appointment.client))
        except SlotTaken:
            messages.error(request, _("This time was just taken. Please choose another time."))
            local_day = start.astimezone(zone).date().isoformat()
            return redirect(target + _query(week=local_day, day=local_day) + "#times")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your booking was moved. We sent you the new details."))
    return redirect(target)
