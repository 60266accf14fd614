"""Invoices in the panel: the list and the overdue list, a new invoice, an invoice's page and its documents.

Who: MANAGE_INVOICES (owner, reception, accountant). Invoices kept only because the accounting law
requires it (restricted after the client's erasure) are left out here; the accountant reads them
elsewhere. Names typed into the customer search go by POST, never into a URL.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import invoicing
from billing.einvoice import finvoice, ksef
from billing.invoice_pdf import document_context, filename, invoice_pdf
from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.selectors import creditable
from clients.models import Client, ClientKind
from clients.selectors import search_clients_for
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.form_errors import apply_errors
from web.invoice_forms import (
    ClientSearchForm,
    CreditForm,
    InvoiceForm,
    InvoiceLineFormSet,
    PaidForm,
    ReminderForm,
    parse_rate,
)


def _invoices(request: HttpRequest):
    return scoped(request, Invoice).unrestricted()


def _get(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = get_for_member(request, Invoice, perm=Perm.MANAGE_INVOICES, pk=invoice_id)
    if invoice.restricted_until is not None:
        raise Http404
    return invoice


def invoice_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_INVOICES)
    show = request.GET.get("show", "all")
    if show == "overdue":
        rows = invoicing.overdue(request.organization)
    elif show == "open":
        rows = _invoices(request).filter(status=InvoiceStatus.OPEN).order_by("due_date", "number")
    else:
        rows = _invoices(request).order_by("-year", "-number")
    rows = rows.annotate(credited=Sum("credit_notes__total"))  # a partly credited invoice says so
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "web/invoices/list.html", {
        "page": page, "show": show, "today": timezone.localdate(),
        "overdue_count": invoicing.overdue(request.organization).count()})


def invoice_new(request: HttpRequest) -> HttpResponse:
    """Choose the customer: a search by name (POST), then the invoice form of that customer."""
    require_perm(request, Perm.MANAGE_INVOICES)
    form = ClientSearchForm(request.POST or None)
    results = []
    if request.method == "POST" and form.is_valid():
        results = search_clients_for(request.organization, form.cleaned_data["q"],
                                     actor=actor_for_request(request))
    return render(request, "web/invoices/choose_client.html", {"form": form, "results": results})


def invoice_new_for(request: HttpRequest, client_id: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_INVOICES)
    client = get_for_member(request, Client, perm=Perm.MANAGE_INVOICES, pk=client_id)
    organization = request.organization
    profile = invoicing.profile_for(organization)
    contacts = list(scoped(request, Client).filter(company=client)) if client.kind == ClientKind.COMPANY else []
    today = timezone.localdate()
    initial = {"issue_date": today, "sale_date": today, "payment_terms_days": profile.payment_terms_days,
               "language": invoicing.invoice_language(client, organization, ""),
               "prices": "net" if organization.country == "PL" else "gross",
               "buyer_vat_id": invoicing.buyer_vat_id_for(client, organization.country)}
    data = request.POST if request.method == "POST" else None
    form = InvoiceForm(data, initial=initial, contacts=contacts)
    lines = InvoiceLineFormSet(data, prefix="lines", form_kwargs={"country": organization.country})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        entered = [line.cleaned_data for line in lines.forms if line.has_changed() and line.cleaned_data]
        cleaned = form.cleaned_data
        contact = next((c for c in contacts if c.pk == cleaned.get("contact_person")), None)
        try:
            invoice = invoicing.invoice_create(
                organization=organization, actor=actor_for_request(request), client=client, contact_person=contact,
                lines=[_line(row, net=cleaned["prices"] == "net") for row in entered],
                issue_date=cleaned["issue_date"], sale_date=cleaned["sale_date"],
                payment_terms_days=cleaned["payment_terms_days"], language=cleaned["language"],
                buyer_reference=cleaned["buyer_reference"], buyer_vat_id=cleaned["buyer_vat_id"],
                buyer_einvoice_address=cleaned["buyer_einvoice_address"],
                buyer_einvoice_operator=cleaned["buyer_einvoice_operator"], notes=cleaned["notes"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Invoice %(number)s issued.") % {"number": str(invoice)})
            return redirect("web:invoice_detail", org_slug=organization.slug, invoice_id=invoice.pk)
    return render(request, "web/invoices/form.html", {"form": form, "lines": lines, "client": client,
                                                      "profile": profile})


def _line(row: dict, *, net: bool) -> invoicing.LineInput:
    percent, exempt = parse_rate(row["vat"])
    return invoicing.LineInput(description=row["description"], quantity=row["quantity"], unit=row.get("unit") or "",
                               unit_price=row["unit_price"], vat_percent=percent, exempt=exempt,
                               discount_percent=row.get("discount_percent") or Decimal(0),
                               price_includes_vat=not net)


def invoice_detail(request: HttpRequest, invoice_id: int, *, credit_form: CreditForm | None = None,
                   status: int = 200) -> HttpResponse:
    invoice = _get(request, invoice_id)
    remaining = creditable(invoice) if invoice.kind == InvoiceKind.INVOICE else []
    return render(request, "web/invoices/detail.html", {
        **document_context(invoice), "credit_form": credit_form or CreditForm(lines=remaining),
        "paid_form": PaidForm(initial={"paid_on": timezone.localdate()}), "reminder_form": ReminderForm(),
        "credit_notes": _invoices(request).filter(credits=invoice).order_by("year", "number"),
        "creditable": remaining, "partly_credited": invoice.status != InvoiceStatus.CREDITED
        and any(row.total != row.line.total or row.quantity != row.line.quantity for row in remaining),
        "overdue": invoice.kind == InvoiceKind.INVOICE and invoice.status == InvoiceStatus.OPEN
        and invoice.due_date < timezone.localdate()}, status=status)


def _act(request: HttpRequest, invoice: Invoice, form, action) -> HttpResponse:
    if form.is_valid():
        try:
            action(**form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("web:invoice_detail", org_slug=request.organization.slug, invoice_id=invoice.pk)


@require_POST
def invoice_credit(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Credit chosen lines (quantities returned, amounts off) or everything still creditable; a refusal shows
    the page again with what was entered and the reason, in the person's language."""
    invoice = _get(request, invoice_id)
    form = CreditForm(request.POST, lines=creditable(invoice) if invoice.kind == InvoiceKind.INVOICE else [])
    if form.is_valid():
        try:
            note = invoicing.invoice_credit(organization=request.organization, actor=actor_for_request(request),
                                            invoice=invoice, reason=form.cleaned_data["reason"],
                                            lines=form.credit_lines())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Credit note %(number)s issued.") % {"number": str(note)})
            return redirect("web:invoice_detail", org_slug=request.organization.slug, invoice_id=invoice.pk)
    return invoice_detail(request, invoice_id, credit_form=form, status=422)


@require_POST
def invoice_paid(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _get(request, invoice_id)
    return _act(request, invoice, PaidForm(request.POST), lambda paid_on: invoicing.invoice_mark_paid(
        organization=request.organization, actor=actor_for_request(request), invoice=invoice, paid_on=paid_on))


@require_POST
def invoice_remind(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _get(request, invoice_id)
    return _act(request, invoice, ReminderForm(request.POST), lambda fee: invoicing.invoice_remind(
        organization=request.organization, actor=actor_for_request(request), invoice=invoice,
        fee=fee or Decimal(0)))


def invoice_pdf_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _get(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename(invoice, "pdf")}"'
    return response


def invoice_xml_view(request: HttpRequest, invoice_id: int, standard: str) -> HttpResponse:
    invoice = _get(request, invoice_id)
    builder = {"finvoice": finvoice, "ksef": ksef}.get(standard)
    if builder is None:
        raise Http404
    try:
        xml = builder.build(invoice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:invoice_detail", org_slug=request.organization.slug, invoice_id=invoice.pk)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{standard}-{filename(invoice, "xml")}"'
    return response
