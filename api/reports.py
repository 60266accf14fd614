"""/api/v1/reports: the sales reports as JSON, or as the same CSV the panel downloads (`format=csv`)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.types import Day
from billing import reports
from tenancy.roles import Perm

router = Router(tags=["reports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
COLUMNS = {
    "day": ["day", "receipts", "credits", "net", "vat", "gross", "discounts", "rounding"],
    "staff": ["staff_id", "name", "lines", "net", "vat", "gross"],
    "service": ["id", "name", "quantity", "net", "vat", "gross"],
    "product": ["id", "name", "quantity", "net", "vat", "gross"],
    "commission": ["staff_id", "name", "net", "commission"],
    "liability": ["id", "code", "kind", "service", "expires_on", "expired", "initial_value", "value", "visits_left",
                  "currency"],
    "journal": reports.JOURNAL_COLUMNS,
}


class ReportOut(Schema):
    kind: str
    first: date | None
    last: date | None
    columns: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None


def _report(request: HttpRequest, kind: str, first: date | None, last: date | None, format: str):
    require(request, Perm.VIEW_SALES_REPORTS)
    today = timezone.localdate()
    first, last = first or today.replace(day=1), last or today
    if last < first or (last - first).days > reports.MAX_DAYS:
        raise ApiError(422, "bad_period", _("Choose a period of at most two years that ends after it starts."))
    totals = None
    if kind == "liability":
        report = reports.liability(request.organization, today)
        rows, totals = report["cards"], {"valid": report["valid"], "expired": report["expired"]}
    else:
        functions = {"day": reports.sales_by_day, "staff": reports.sales_by_staff,
                     "service": reports.sales_by_service, "product": reports.sales_by_product,
                     "commission": reports.commission, "journal": reports.journal}
        rows = functions[kind](request.organization, reports.period(request.organization, first, last))
    columns = COLUMNS[kind]
    if format == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
        reports.write_csv(response, columns, rows)
        return response
    return {"kind": kind, "first": first, "last": last, "columns": columns,
            "rows": [{c: row.get(c) for c in columns} for row in rows], "totals": totals}


DESCRIPTIONS = {
    "day": "Per local day: receipts, credit receipts, net, VAT, gross, discounts, cash rounding.",
    "staff": "Per staff member named on the lines: lines, net, VAT, gross (gift cards excluded).",
    "service": "Per service: quantity, net, VAT, gross.",
    "product": "Per product: quantity, net, VAT, gross.",
    "commission": "Per staff member: net sales and commission (the service's or product's rate, else the default).",
    "liability": "Gift and series cards with value or visits left, per card; totals valid and expired. "
                 "The state today: the period is ignored.",
    "journal": "The accounting journal by day x VAT rate x payment method (docs/accounting-export.md).",
}


def _route(kind: str) -> None:
    def read(request: HttpRequest, first: Day | None = None, last: Day | None = None,
             format: Literal["json", "csv"] = "json"):
        return _report(request, kind, first, last, format)

    read.__name__ = f"reports_{kind}"
    router.get(f"/reports/{kind}", response={200: ReportOut, **ERRORS}, operation_id=f"reports_{kind}",
               summary=f"Report: {kind}",
               description=DESCRIPTIONS[kind] + " Local days [first, last] (default: this month so far); "
                                                "`format=csv` for the CSV the panel downloads.")(read)


for _kind in COLUMNS:
    _route(_kind)
