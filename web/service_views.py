"""Owners set up what can be booked: services, bookable staff and their weekly hours."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.models import (
    HolidayOpening,
    HoursException,
    Resource,
    ResourceKind,
    Service,
    WorkingHours,
)
from booking.setup import (
    holiday_opening_toggle,
    hours_exception_add,
    hours_exception_remove,
    room_add,
    service_save,
    staff_make_bookable,
    working_hours_save,
)
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.models import Membership
from tenancy.roles import Perm
from web.form_errors import apply_errors
from web.widgets import IsoDateInput, IsoDateTimeInput, IsoTimeInput


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "description", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
                  "price", "currency", "vat_rate", "online_bookable", "min_notice_minutes", "max_advance_days",
                  "cancellation_hours", "granularity_minutes", "start_alignment", "length_adjustable", "colour",
                  "staff", "required_resources", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "staff": forms.CheckboxSelectMultiple,
                   "required_resources": forms.CheckboxSelectMultiple}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Resource.objects.for_organization(organization).filter(
            kind=ResourceKind.STAFF, is_active=True)
        self.fields["required_resources"].queryset = Resource.objects.for_organization(organization).filter(
            is_active=True).exclude(kind=ResourceKind.STAFF)

    def clean_granularity_minutes(self):
        value = self.cleaned_data["granularity_minutes"]
        if (24 * 60) % value:
            raise forms.ValidationError(_("Choose a step that divides a day, e.g. 5, 10, 15, 20, 30 or 60."))
        return value


class HoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start_time", "end_time", "valid_from", "valid_until"]
        # A blank first choice, so the empty extra rows stay unchanged and are skipped on save.
        # WEEKDAYS is lazy: a gettext() here would run once, at import, in the default language.
        widgets = {"weekday": forms.Select(choices=[("", "—"), *WEEKDAYS.items()]),
                   "start_time": IsoTimeInput(),
                   "end_time": IsoTimeInput(),
                   "valid_from": IsoDateInput(),
                   "valid_until": IsoDateInput()}

        help_texts = {"end_time": gettext_lazy("00:00 is midnight. An end earlier than the start is the next morning "
                                    "(a night shift).")}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start is not None and end is not None and start == end and end != time(0):
            self.add_error("end_time", _("The end must differ from the start. For the whole day, use 00:00–00:00."))
        return data


class ExceptionForm(forms.ModelForm):
    """Times are typed in the location's local time and stored in UTC."""

    class Meta:
        model = HoursException
        fields = ["kind", "start", "end"]
        widgets = {"start": IsoDateTimeInput(),
                   "end": IsoDateTimeInput()}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must be after the start."))
        return data


class RoomForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["kind", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in ResourceKind.choices if c[0] != ResourceKind.STAFF]


HoursFormSet = forms.modelformset_factory(WorkingHours, form=HoursForm, extra=2, can_delete=True)


def services(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICES)
    room_form = RoomForm(request.POST if request.POST.get("form") == "room" else None)
    if request.method == "POST" and request.POST.get("form") == "room" and room_form.is_valid():
        room_add(organization=request.organization, actor=actor_for_request(request), **room_form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("web:services", org_slug=request.organization.slug)
    if request.method == "POST" and request.POST.get("form") == "holiday":
        holiday_toggle(request)
        return redirect("web:services", org_slug=request.organization.slug)
    staff = scoped(request, Resource).filter(kind=ResourceKind.STAFF).select_related("membership__user")
    unbookable = scoped(request, Membership).filter(is_active=True, resource__isnull=True).select_related("user")
    return render(request, "web/services/list.html", {
        "services": scoped(request, Service).prefetch_related("staff").order_by("name"),
        "staff": staff, "unbookable": unbookable, "room_form": room_form,
        "rooms": scoped(request, Resource).exclude(kind=ResourceKind.STAFF).order_by("name"),
        "holidays": upcoming_holidays(request.organization)})


def upcoming_holidays(organization) -> list[tuple[date, str, bool]]:
    """The country's public holidays in the coming year, and whether the organization opens on each."""
    today = timezone.localdate()
    calendar = holidays.country_holidays(organization.country)
    wanted = {"en": "en_US", "sv": "sv_FI"}.get(translation.get_language(), translation.get_language())
    language = wanted if wanted in calendar.supported_languages else None
    country = holidays.country_holidays(organization.country, years=[today.year, today.year + 1], language=language)
    opened = set(HolidayOpening.objects.for_organization(organization).values_list("date", flat=True))
    return sorted((day, name, day in opened) for day, name in country.items()
                  if today <= day <= today + timedelta(days=366))


def holiday_toggle(request: HttpRequest) -> None:
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        return
    if holiday_opening_toggle(organization=request.organization, actor=actor_for_request(request), day=day):
        messages.success(request, _("Open on %(date)s.") % {"date": formats.date_format(day, "SHORT_DATE_FORMAT")})
    else:
        messages.success(request, _("Closed on %(date)s.") % {"date": formats.date_format(day, "SHORT_DATE_FORMAT")})


def service_edit(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICES)
    service = get_for_member(request, Service, perm=Perm.MANAGE_SERVICES, pk=service_id) if service_id else None
    form = ServiceForm(request.POST or None, instance=service, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            service_save(organization=request.organization, actor=actor_for_request(request), service=service,
                         **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Service saved."))
            return redirect("web:services", org_slug=request.organization.slug)
    return render(request, "web/services/form.html", {"form": form, "service": service,
                                                      **(_payment_policy(request, service) if service else {})})


def _payment_policy(request: HttpRequest, service: Service) -> dict:
    """The service's online payment policy for its page: its own, or the organization's default it follows."""
    from billing.payment_settings import default_policy, policy_of_service

    own = policy_of_service(request.organization, service)
    return {"own_policy": own, "default_policy": None if own else default_policy(request.organization)}


def staff_bookable(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Make a staff member bookable at the organization's first location (created if none)."""
    require_perm(request, Perm.MANAGE_SERVICES)
    membership = get_for_member(request, Membership, perm=Perm.MANAGE_SERVICES, pk=membership_id)
    if request.method == "POST":
        resource = staff_make_bookable(organization=request.organization, actor=actor_for_request(request),
                                       membership=membership)
        return redirect("web:staff_hours", org_slug=request.organization.slug, resource_id=resource.pk)
    return redirect("web:services", org_slug=request.organization.slug)


def staff_hours(request: HttpRequest, resource_id: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICES)
    resource = get_for_member(request, Resource, perm=Perm.MANAGE_SERVICES, pk=resource_id)
    queryset = scoped(request, WorkingHours).filter(resource=resource).order_by("weekday", "start_time")
    zone = ZoneInfo(resource.location.time_zone)
    exception_form = ExceptionForm(request.POST if request.POST.get("form") == "exception" else None)
    if request.method == "POST" and request.POST.get("form") == "exception":
        return _exception_post(request, resource, zone, exception_form)
    if request.method == "POST" and request.POST.get("form") == "exception_delete":
        exception_id = request.POST.get("id", "")
        if exception_id.isdigit():
            hours_exception_remove(organization=request.organization, actor=actor_for_request(request),
                                   resource=resource, exception_id=int(exception_id))
        return redirect("web:staff_hours", org_slug=request.organization.slug, resource_id=resource.pk)
    formset = HoursFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        try:
            working_hours_save(organization=request.organization, actor=actor_for_request(request),
                               resource=resource, **_hours_changes(formset))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Working hours saved."))
            return redirect("web:staff_hours", org_slug=request.organization.slug, resource_id=resource.pk)
    with timezone.override(zone):
        return render(request, "web/services/hours.html", {
            "resource": resource, "formset": formset, "exception_form": exception_form, "zone": str(zone),
            "exceptions": scoped(request, HoursException).filter(resource=resource,
                                                                 end__gte=timezone.now()).order_by("start")})


def _hours_changes(formset) -> dict[str, list]:
    """What the owner changed on the hours page: the edited or new rows (by id), and the rows to delete.
    The empty extra rows and unchanged rows are left out."""
    rows, delete = [], []
    for form in formset.forms:
        if not form.has_changed():
            continue
        existing = form.cleaned_data.get("id")
        if form.cleaned_data.get("DELETE"):
            if existing is not None:
                delete.append(existing.pk)
            continue
        rows.append({"id": existing.pk if existing else None,
                     **{name: form.cleaned_data[name] for name in HoursForm._meta.fields}})
    return {"rows": rows, "delete": delete}


def _exception_post(request: HttpRequest, resource: Resource, zone: ZoneInfo, form: ExceptionForm) -> HttpResponse:
    with timezone.override(zone):  # the typed local times are read in the location's zone
        valid = form.is_valid()
    if valid:
        hours_exception_add(organization=request.organization, actor=actor_for_request(request), resource=resource,
                            **form.cleaned_data)
        messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("web:staff_hours", org_slug=request.organization.slug, resource_id=resource.pk)
