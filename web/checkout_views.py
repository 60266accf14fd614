"""The counter in the panel: checkout (from an appointment or a walk-in), receipts, refunds.

Pages only present: the sale, the refund and the emailed copy are billing.sales services; a GET never
writes. Every object is read scoped to the organization (another organization's id is a 404).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.models import LineKind, Product, Sale, SaleKind, TenderMethod, Voucher
from billing.money import plain
from billing.receipts import receipt_context, receipt_pdf, receipt_title
from billing.sale_selectors import receipt_search, refundable, sale_with_details
from billing.sales import RefundLine, TenderInput, receipt_send, sale_complete, sale_preview, sale_refund
from billing.series_booking import held_card
from billing.vouchers import normalise_code
from booking.models import Appointment, Location, Service
from clients.models import Client
from clients.selectors import search_clients_for
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.checkout_forms import Draft, DraftLine, DraftTender, parse_amount, read_draft, resolve, to_inputs

TENDER_CHOICES = [(m.value, m.label) for m in TenderMethod if m != TenderMethod.ONLINE]


def _receipt_url(request: HttpRequest, sale: Sale) -> str:
    return reverse("web:receipt_detail", kwargs={"org_slug": request.organization.slug, "sale_id": sale.pk})


def _initial(request: HttpRequest) -> Draft:
    draft = Draft(tenders=[DraftTender()])
    appointment_id = request.GET.get("appointment", "")
    client_id = request.GET.get("client", "")
    if appointment_id.isdigit():
        appointment = get_for_member(request, Appointment, perm=Perm.RECORD_PAYMENTS, pk=int(appointment_id))
        draft.appointment_id = str(appointment.pk)
        draft.client_id = str(appointment.client_id or "")
        draft.lines.append(DraftLine(kind=LineKind.SERVICE, ref=str(appointment.service_id),
                                     price=str(appointment.service.price), obj=appointment.service))
        card = held_card(organization_id=appointment.organization_id, appointment_id=appointment.pk)
        if card is not None:  # booked online with a series card: its held visit pays the service
            draft.tenders = [DraftTender(method=TenderMethod.SERIES_CARD, code=card.code)]
    elif client_id.isdigit():
        client = scoped(request, Client).filter(pk=int(client_id)).first()
        if client is None:
            raise Http404
        draft.client_id = str(client.pk)
    return draft


def _context_objects(request: HttpRequest, draft: Draft):
    appointment = client = None
    if draft.appointment_id.isdigit():
        appointment = scoped(request, Appointment).select_related("location", "staff", "service").filter(
            pk=int(draft.appointment_id)).first()
    if draft.client_id.isdigit():
        client = scoped(request, Client).filter(pk=int(draft.client_id)).first()
    if (draft.appointment_id and appointment is None) or (draft.client_id and client is None):
        raise Http404
    return appointment, client


def _location(request: HttpRequest, appointment, posted: str):
    locations = scoped(request, Location).filter(is_active=True).order_by("name", "pk")
    if appointment is not None:
        return appointment.location, locations
    chosen = locations.filter(pk=int(posted)).first() if posted.isdigit() else None
    return chosen or locations.first(), locations


CLIENT_QUERY_MAX = 100


def _client_query(request: HttpRequest) -> str:
    """What was typed into the checkout's client search (posted, never in a URL: it names people)."""
    return request.POST.get("client_q", "").strip()[:CLIENT_QUERY_MAX]


def _find_clients(request: HttpRequest, query: str) -> list[Client]:
    """The client list's own search (same selector, same audit row), for a member who may sell and see clients."""
    require_perm(request, Perm.VIEW_CLIENTS)
    return search_clients_for(request.organization, query, actor=actor_for_request(request), limit=10,
                              via="checkout") if query else []


def _choose_client(request: HttpRequest, draft: Draft, action: str) -> None:
    """Pick the sale's client at the counter (or take them off it). Another organization's client is a 404, as
    on the client's own page; the opening is audited like one. What the former client brought (their email
    address, their standing discount) goes with them; a sale of an appointment keeps the appointment's client."""
    name, _sep, arg = action.partition(":")
    if name not in ("pick_client", "clear_client") or draft.appointment_id:
        return
    require_perm(request, Perm.VIEW_CLIENTS)
    chosen = None
    if name == "pick_client":
        if not arg.isdigit():
            raise Http404
        chosen = get_for_member(request, Client, perm=Perm.VIEW_CLIENTS, pk=int(arg))
        if chosen.is_restricted:
            draft.errors["client"] = _("This client's data is restricted: it may be stored but not otherwise "
                                       "used.")
            return
    former = scoped(request, Client).filter(pk=int(draft.client_id)).first() if draft.client_id.isdigit() else None
    if former is not None and former != chosen:
        if former.email and draft.email_to == former.email:
            draft.email_to = ""
        if former.standing_discount_percent and draft.discount == f"{plain(former.standing_discount_percent)} %":
            draft.discount = ""
    draft.client_id = str(chosen.pk) if chosen else ""


def _apply_action(request: HttpRequest, draft: Draft, action: str, client) -> None:
    """Change the basket as the pressed button says (add or remove a line or a payment)."""
    name, _sep, arg = action.partition(":")
    if name in ("add_service", "add_series") and not arg:
        arg = request.POST.get("service_pick", "")[:12]
    if name == "add_service" and arg.isdigit():
        service = scoped(request, Service).filter(pk=int(arg), is_active=True).first()
        if service:
            draft.lines.append(DraftLine(kind=LineKind.SERVICE, ref=str(service.pk), price=str(service.price),
                                         obj=service))
    elif name == "add_product" and arg.isdigit():
        product = scoped(request, Product).filter(pk=int(arg), is_active=True).first()
        if product:
            draft.lines.append(DraftLine(kind=LineKind.PRODUCT, ref=str(product.pk), price=str(product.price),
                                         obj=product))
    elif name == "add_series" and arg.isdigit():
        service = scoped(request, Service).filter(pk=int(arg), is_active=True).first()
        if service:
            draft.lines.append(DraftLine(kind=LineKind.SERIES_CARD, ref=str(service.pk), visits="10",
                                         price=str(service.price * 10), obj=service))
    elif name == "add_free":
        default = "25.5" if request.organization.country == "FI" else "23"
        draft.lines.append(DraftLine(kind=LineKind.FREE, vat=default))
    elif name == "add_gift":
        draft.lines.append(DraftLine(kind=LineKind.GIFT_CARD, price="50.00"))
    elif name == "remove_line" and arg.isdigit() and int(arg) < len(draft.lines):
        draft.lines.pop(int(arg))
    elif name == "add_tender":
        draft.tenders.append(DraftTender(method=arg if arg in TenderMethod.values else TenderMethod.CARD))
    elif name == "remove_tender" and arg.isdigit() and int(arg) < len(draft.tenders):
        draft.tenders.pop(int(arg))
    elif name == "client_email" and client is not None and client.email:
        draft.email_to = client.email
    elif name == "standing_discount" and client is not None and client.standing_discount_percent:
        draft.discount = f"{plain(client.standing_discount_percent)} %"


def checkout(request: HttpRequest) -> HttpResponse:
    """The checkout: lines, discounts, split payment with the amount left shown live, then the receipt."""
    require_perm(request, Perm.RECORD_PAYMENTS)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    draft = read_draft(request.POST) if request.method == "POST" else _initial(request)
    _choose_client(request, draft, action)
    appointment, client = _context_objects(request, draft)
    location, locations = _location(request, appointment, request.POST.get("location", ""))
    resolve(draft, request.organization)
    _apply_action(request, draft, action, client)
    staff = appointment.staff.membership if appointment and appointment.staff.membership_id else None
    lines, tenders, discount = to_inputs(draft, staff=staff)
    status = 200
    if action == "complete" and not draft.has_errors:
        if location is None:
            draft.errors["form"] = _("Add a location before selling.")
        else:
            try:
                sale = sale_complete(organization=request.organization, location=location, lines=lines,
                                     tenders=tenders, actor=actor_for_request(request), client=client,
                                     appointment=appointment, sale_discount=discount, email_to=draft.email_to,
                                     note=draft.note)
            except ValidationError as error:
                draft.errors["form"] = " ".join(error.messages)
            else:
                messages.success(request, _("Sale completed: receipt %(number)s.") % {"number": sale.receipt_number})
                return redirect(_receipt_url(request, sale))
        status = 422
    elif action == "complete":
        status = 422
    preview = sale_preview(organization=request.organization, lines=lines, tenders=tenders, sale_discount=discount)
    picked = action.startswith(("pick_client:", "clear_client"))  # the search is done with
    client_query = _client_query(request) if appointment is None and not picked else ""
    searched = action in ("client_search", "refresh") and bool(client_query)
    context = {
        "client_query": client_query, "client_results": _find_clients(request, client_query) if searched else [],
        "client_searched": searched,
        "draft": draft, "preview": preview, "client": client, "appointment": appointment, "location": location,
        "locations": locations, "tender_choices": TENDER_CHOICES, "line_kinds": LineKind,
        "services": scoped(request, Service).filter(is_active=True).order_by("name"),
        "vat_choices": _vat_choices(request),
        "standing_discount": client.standing_discount_percent if client and client.standing_discount_percent else None,
    }
    if request.htmx and action == "preview":
        return render(request, "web/checkout/_totals.html", context)
    return render(request, "web/checkout/checkout.html", context, status=status)


def _vat_choices(request: HttpRequest) -> list[tuple[str, str]]:
    from django.utils import timezone

    from billing.vat import rates_on

    return [(format(r.percent.normalize(), "f"), f"{r.code} % · {r.label}")
            for r in rates_on(request.organization.country, timezone.localdate()) if not r.exempt]


@require_POST
def client_search(request: HttpRequest) -> HttpResponse:
    """Clients by name, phone or email as the receptionist types, as buttons that make one the sale's client.

    POST, like the client list's search: what is typed names people and must not reach a URL or a log."""
    require_perm(request, Perm.RECORD_PAYMENTS)
    query = _client_query(request)
    return render(request, "web/checkout/_clients.html", {
        "client_query": query, "client_results": _find_clients(request, query), "client_searched": bool(query)})


def product_search(request: HttpRequest) -> HttpResponse:
    """Products by name, SKU or EAN, as buttons that add the product to the checkout's basket."""
    require_perm(request, Perm.RECORD_PAYMENTS)
    query = request.GET.get("q", "").strip()[:64]
    products = []
    if query:
        from django.db.models import Q

        products = list(scoped(request, Product).filter(is_active=True).filter(
            Q(name__icontains=query) | Q(sku__iexact=query) | Q(ean=query)).order_by("name")[:20])
    return render(request, "web/checkout/_products.html", {"products": products, "query": query})


def card_lookup(request: HttpRequest) -> HttpResponse:
    """A gift or series card's balance by its code (to tell the customer before paying with it)."""
    require_perm(request, Perm.RECORD_PAYMENTS)
    typed = request.GET.get("code") or next((v for k, v in request.GET.items() if k.endswith("-code")), "")
    code = normalise_code(typed[:30])
    card = scoped(request, Voucher).select_related("service").filter(code=code).first() if code else None
    return render(request, "web/checkout/_card.html", {"card": card, "code": code})


def receipts(request: HttpRequest) -> HttpResponse:
    """The counter's receipts, newest first; search by number or by day."""
    require_perm(request, Perm.VIEW_PAYMENTS)
    number_text = request.GET.get("number", "").strip()
    number = int(number_text) if number_text.isdigit() and len(number_text) < 10 else None
    error = ""
    if number_text and number is None:
        error = _("Enter the receipt number as digits.")
    try:
        day = parse_date(request.GET.get("day", "").strip()) if request.GET.get("day", "").strip() else None
    except ValueError:
        day = None
    if request.GET.get("day", "").strip() and day is None:
        error = _("Enter the day as a date.")
    sales = receipt_search(request.organization, number=number, day=day,
                           zone=ZoneInfo(request.organization.time_zone))
    page = Paginator(sales, 50).get_page(request.GET.get("page"))
    return render(request, "web/receipts/list.html", {"page": page, "number": number_text,
                                                      "day": request.GET.get("day", "")[:10], "error": error},
                  status=422 if error else 200)


def _sale(request: HttpRequest, sale_id: int, perm: Perm = Perm.VIEW_PAYMENTS) -> Sale:
    require_perm(request, perm)
    try:
        sale = sale_with_details(request.organization, sale_id)
    except Sale.DoesNotExist:
        raise Http404 from None
    if sale.restricted_until is not None:
        raise Http404  # kept only for accounting: on the restricted receipts page, not here
    return sale


def receipt_detail(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale(request, sale_id)
    can_refund = request.membership.has_perm(Perm.RECORD_PAYMENTS) and sale.kind == SaleKind.SALE
    return render(request, "web/receipts/detail.html", {
        **receipt_context(sale), "title": receipt_title(sale), "can_refund": can_refund,
        "can_email": request.membership.has_perm(Perm.RECORD_PAYMENTS),
        "email_default": sale.email_to or (sale.client.email if sale.client_id and sale.client.email else "")})


def receipt_pdf_view(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale(request, sale_id)
    response = HttpResponse(receipt_pdf(sale), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{sale.receipt_number}.pdf"'
    return response


@require_POST
def receipt_email_view(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale(request, sale_id, Perm.RECORD_PAYMENTS)
    try:
        receipt_send(sale=sale, email_to=request.POST.get("email_to", "")[:254], actor=actor_for_request(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The receipt will be emailed in a moment."))
    return redirect(_receipt_url(request, sale))


def receipt_refund(request: HttpRequest, sale_id: int) -> HttpResponse:
    """Return lines of a receipt and pay the money back: a credit receipt that refers to this one."""
    sale = _sale(request, sale_id, Perm.RECORD_PAYMENTS)
    if sale.kind != SaleKind.SALE:
        raise Http404
    rows = refundable(sale)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        chosen = []
        for line, left in rows:
            parsed = parse_amount(request.POST.get(f"q{line.pk}", ""))
            if parsed is None or parsed[0] > left:
                errors[f"q{line.pk}"] = _("Enter a quantity from 0 to %(left)s.") % {"left": left.normalize()}
            elif parsed[0] > 0:
                chosen.append(RefundLine(line, parsed[0]))
        method = request.POST.get("method", TenderMethod.CARD)
        if method not in dict(TENDER_CHOICES) or method == TenderMethod.SERIES_CARD:
            errors["method"] = _("Choose how the money is paid back.")
        amount = parse_amount(request.POST.get("amount", ""))
        if amount is None:
            errors["amount"] = _("Enter the amount as a number, e.g. 20.00.")
        if not chosen and not errors:
            errors["form"] = _("Choose what is returned.")
        if not errors:
            try:
                credit = sale_refund(sale=sale, lines=chosen, actor=actor_for_request(request),
                                     reason=request.POST.get("reason", "")[:300],
                                     tenders=[TenderInput(method=method, amount=amount[0],
                                                          code=request.POST.get("code", "")[:30])])
            except ValidationError as error:
                errors["form"] = " ".join(error.messages)
            else:
                messages.success(request, _("Refund made: credit receipt %(number)s.") % {
                    "number": credit.receipt_number})
                return redirect(_receipt_url(request, credit))
        status = 422
    return render(request, "web/receipts/refund.html", {
        "sale": sale, "rows": rows, "errors": errors, "tender_choices": [c for c in TENDER_CHOICES
                                                                        if c[0] != TenderMethod.SERIES_CARD],
        "posted": request.POST, "title": receipt_title(sale)}, status=status)

