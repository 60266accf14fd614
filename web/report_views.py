"""Sales reports on screen and as CSV: by day, staff member, service, product; commission; gift card
liability; the accounting journal. Owner and accountant (VIEW_SALES_REPORTS); reads only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from billing import reports
from billing.models import TenderMethod, TillSession, Voucher, VoucherKind
from tenancy.access import get_for_member, require_perm
from tenancy.roles import Perm
from web.widgets import IsoDateInput

KINDS = {
    "day": _("By day"), "staff": _("By staff member"), "service": _("By service"), "product": _("By product"),
    "commission": _("Commission"), "liability": _("Gift card liability"), "journal": _("Accounting journal"),
}
COLUMNS = {
    "day": ["day", "receipts", "credits", "net", "vat", "gross", "discounts", "rounding"],
    "staff": ["name", "lines", "net", "vat", "gross"],
    "service": ["name", "quantity", "net", "vat", "gross"],
    "product": ["name", "quantity", "net", "vat", "gross"],
    "commission": ["name", "net", "commission"],
    "liability": ["code", "kind", "service", "expires_on", "expired", "initial_value", "value", "visits_left",
                  "currency"],
    "journal": reports.JOURNAL_COLUMNS,
}
HEADINGS = {
    "day": _("Day"), "receipts": _("Receipts"), "credits": _("Credit receipts"), "net": _("Net"), "vat": _("VAT"),
    "gross": _("Gross"), "discounts": _("Discounts"), "rounding": _("Cash rounding"), "name": _("Name"),
    "lines": _("Lines"), "quantity": _("Quantity"), "commission": _("Commission"), "code": _("Code"),
    "kind": _("Kind"), "service": _("Service"), "expires_on": _("Valid until"), "expired": _("Expired"),
    "initial_value": _("Value when sold"), "value": _("Unredeemed value"), "visits_left": _("Visits left"),
    "currency": _("Currency"), "date": _("Day"), "entry": _("Entry"), "vat_rate": _("VAT (%)"),
    "vat_code": _("VAT code"), "method": _("Method"), "documents": _("Receipts"),
}
NUMERIC = {"receipts", "credits", "net", "vat", "gross", "discounts", "rounding", "lines", "quantity", "commission",
           "initial_value", "value", "visits_left", "documents"}
LABELS = {**dict(TenderMethod.choices), **dict(VoucherKind.choices)}


class PeriodForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=IsoDateInput())
    last = forms.DateField(label=_("To"), widget=IsoDateInput())

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", _("The end must not be before the start."))
            elif (last - first).days > reports.MAX_DAYS:
                self.add_error("last", _("Choose a period of at most two years."))
        return data


def _form(request: HttpRequest) -> PeriodForm:
    today = timezone.localdate()
    if "first" in request.GET or "last" in request.GET:
        return PeriodForm(request.GET)
    return PeriodForm({"first": today.replace(day=1).isoformat(), "last": today.isoformat()})


def _rows(request: HttpRequest, kind: str, first: dt.date, last: dt.date) -> tuple[list[dict], dict | None]:
    organization = request.organization
    if kind == "liability":
        report = reports.liability(organization, timezone.localdate())
        return report["cards"], {"valid": report["valid"], "expired": report["expired"]}
    p = reports.period(organization, first, last)
    functions = {"day": reports.sales_by_day, "staff": reports.sales_by_staff, "service": reports.sales_by_service,
                 "product": reports.sales_by_product, "commission": reports.commission, "journal": reports.journal}
    return functions[kind](organization, p), None


def sales_reports(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_SALES_REPORTS)
    kind = request.GET.get("kind", "day")
    if kind not in KINDS:
        kind = "day"
    form = _form(request)
    context = {"form": form, "kinds": KINDS, "kind": kind, "title": KINDS[kind],
               "headings": [(c, HEADINGS[c], c in NUMERIC) for c in COLUMNS[kind]]}
    if not form.is_valid():
        return render(request, "web/reports/sales.html", context, status=422)
    rows, totals = _rows(request, kind, form.cleaned_data["first"], form.cleaned_data["last"])
    table = [([(_display(c, row.get(c)), c in NUMERIC, HEADINGS[c]) for c in COLUMNS[kind]],
              reverse("web:voucher_card", kwargs={"org_slug": request.organization.slug, "voucher_id": row["id"]})
              if kind == "liability" else "") for row in rows]
    query = request.GET.copy()
    query.setdefault("first", form.cleaned_data["first"].isoformat())
    query.setdefault("last", form.cleaned_data["last"].isoformat())
    query.pop("kind", None)
    p = reports.period(request.organization, form.cleaned_data["first"], form.cleaned_data["last"])
    z_reports = (TillSession.objects.for_organization(request.organization).select_related("till__location")
                 .filter(closed_at__gte=p.start, closed_at__lt=p.end).order_by("-closed_at")[:100])
    return render(request, "web/reports/sales.html", context | {"table": table, "totals": totals,
                                                                 "query": query.urlencode(), "z_reports": z_reports})


def _display(column: str, value):
    if column in ("method", "kind"):
        return LABELS.get(value, value)
    if column == "expired":
        return _("yes") if value else _("no")
    return value


def report_csv(request: HttpRequest, kind: str) -> HttpResponse:
    require_perm(request, Perm.VIEW_SALES_REPORTS)
    if kind not in KINDS:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return HttpResponse(" ".join(str(e) for errors in form.errors.values() for e in errors), status=422,
                            content_type="text/plain; charset=utf-8")
    first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    rows, _totals = _rows(request, kind, first, last)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
    add_never_cache_headers(response)
    reports.write_csv(response, COLUMNS[kind], rows)
    return response


def voucher_card(request: HttpRequest, voucher_id: int) -> HttpResponse:
    """The printable card of a gift or series card (PDF), for those who sell them and those who report."""
    from billing.voucher_cards import voucher_card_pdf

    membership = getattr(request, "membership", None)
    if membership is None or not (membership.has_perm(Perm.RECORD_PAYMENTS)
                                  or membership.has_perm(Perm.VIEW_SALES_REPORTS)):
        raise Http404
    perm = Perm.RECORD_PAYMENTS if membership.has_perm(Perm.RECORD_PAYMENTS) else Perm.VIEW_SALES_REPORTS
    voucher = get_for_member(request, Voucher, perm=perm, pk=voucher_id)
    response = HttpResponse(voucher_card_pdf(voucher, language=translation.get_language()),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="card-{voucher.pk}.pdf"'
    add_never_cache_headers(response)
    return response
