"""The owner's catalog: products with prices and stock, the low-stock list, and staff commission rates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.models import CommissionRate, Product
from billing.products import (
    commission_rate_set,
    low_stock,
    movements,
    product_save,
    stock_count,
    stock_delivery,
    stock_loss,
)
from booking.models import Service
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.form_errors import apply_errors
from web.product_forms import CommissionForm, ProductForm, StockForm

STOCK_ACTIONS = {"delivery": stock_delivery, "loss": stock_loss}


def products(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CATALOG)
    return render(request, "web/products/list.html", {
        "products": scoped(request, Product).order_by("-is_active", "name"),
        "low": list(low_stock(request.organization))})


def product_edit(request: HttpRequest, product_id: int | None = None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CATALOG)
    product = get_for_member(request, Product, perm=Perm.MANAGE_CATALOG, pk=product_id) if product_id else None
    form = ProductForm(request.POST or None, country=request.organization.country, product=product)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = product_save(organization=request.organization, actor=actor_for_request(request),
                                     product=product, **form.service_data())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Product saved."))
                return redirect("web:product_edit", org_slug=request.organization.slug, product_id=saved.pk)
        status = 422
    return _render_product(request, product, form=form, status=status)


def _render_product(request: HttpRequest, product: Product | None, *, form=None, stock_form=None,
                    status: int = 200) -> HttpResponse:
    return render(request, "web/products/form.html", {
        "product": product,
        "form": form or ProductForm(country=request.organization.country, product=product),
        "stock_form": stock_form or StockForm(),
        "movements": list(movements(request.organization, product)[:50]) if product else []}, status=status)


@require_POST
def product_stock(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_for_member(request, Product, perm=Perm.MANAGE_CATALOG, pk=product_id)
    form = StockForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        actor = actor_for_request(request)
        try:
            if data["action"] == "count":
                stock_count(organization=request.organization, product=product, counted=data["quantity"],
                            note=data["note"], actor=actor)
            else:
                STOCK_ACTIONS[data["action"]](organization=request.organization, product=product,
                                              quantity=data["quantity"], note=data["note"], actor=actor)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Stock updated."))
            return redirect("web:product_edit", org_slug=request.organization.slug, product_id=product.pk)
    return _render_product(request, product, stock_form=form, status=422)


def commissions(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_CATALOG)
    form = CommissionForm(request.POST or None, organization=request.organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            kind, _sep, pk = data["target"].partition(":")
            service = scoped(request, Service).filter(pk=pk).first() if kind == "service" else None
            product = scoped(request, Product).filter(pk=pk).first() if kind == "product" else None
            try:
                commission_rate_set(organization=request.organization, actor=actor_for_request(request),
                                    membership=data["membership"], percent=data["percent"], service=service,
                                    product=product)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Commission saved."))
                return redirect("web:commissions", org_slug=request.organization.slug)
        status = 422
    rates = (scoped(request, CommissionRate).select_related("membership__user", "service", "product")
             .order_by("membership_id", "service__name", "product__name"))
    return render(request, "web/products/commissions.html", {"form": form, "rates": rates}, status=status)
