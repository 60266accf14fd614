"""The owner's pages for the booking page's face: settings (pictures, colours, description, embedding site),
service categories, each service's wording per language, and staff photos and introductions.

Presentation only: every change goes through `booking.page`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from booking.models import BookingPage, Resource, ResourceKind, Service, ServiceCategory
from booking.page import (
    booking_page_update,
    service_category_delete,
    service_category_save,
    service_page_update,
    staff_profile_update,
)
from booking.showcase import booking_page_for, service_name
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.booking_page_forms import (
    BookingPageForm,
    CategoryForm,
    ServicePageForm,
    StaffProfileForm,
    picture_change,
)
from web.form_errors import apply_errors


def _embed_snippets(page: BookingPage) -> dict[str, str]:
    """Code for the owner's own website, in the page's colours (checked values only: #rrggbb)."""
    url = settings.SITE_URL.rstrip("/") + reverse("public_booking:services", args=[page.organization.slug])
    label = _("Book a time")
    return {
        "url": url,
        "button": f'<a href="{url}" target="_blank" rel="noopener" style="display:inline-block;padding:.7em 1.2em;'
                  f"border-radius:.4em;background:{page.accent_colour};color:{page.accent_text_colour};"
                  f'font-weight:600;text-decoration:none">{label}</a>',
        "frame": f'<iframe src="{url}" title="{label}" style="width:100%;min-height:720px;border:0"></iframe>',
    }


def booking_page_settings(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_BOOKING_PAGE)
    organization = request.organization
    page = booking_page_for(organization)
    form = BookingPageForm(request.POST or None, request.FILES or None, organization=organization, page=page)
    if request.method == "POST" and form.is_valid():
        try:
            booking_page_update(
                organization=organization, actor=actor_for_request(request),
                logo=picture_change(form, "logo"), cover=picture_change(form, "cover"),
                accent_colour=form.cleaned_data["accent_colour"],
                accent_text_colour=form.cleaned_data["accent_text_colour"],
                embed_origin=form.cleaned_data["embed_origin"], description=form.translated("description"))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:booking_page", org_slug=organization.slug)
    language = request.LANGUAGE_CODE
    services = [(s, service_name(s, language, organization))
                for s in scoped(request, Service).filter(is_active=True).select_related("category").order_by("name")]
    staff = scoped(request, Resource).filter(kind=ResourceKind.STAFF, is_active=True).order_by("name")
    return render(request, "web/booking_page/settings.html", {
        "form": form, "page": page, "categories": scoped(request, ServiceCategory), "services": services,
        "staff": staff, "snippets": _embed_snippets(page)})


def category_new(request: HttpRequest) -> HttpResponse:
    return _category(request, None)


def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    category = get_for_member(request, ServiceCategory, perm=Perm.MANAGE_BOOKING_PAGE, pk=category_id)
    if request.method == "POST" and request.POST.get("delete"):
        service_category_delete(category=category, actor=actor_for_request(request))
        messages.success(request, _("The category was removed; its services are listed under other services."))
        return redirect("web:booking_page", org_slug=request.organization.slug)
    return _category(request, category)


def _category(request: HttpRequest, category: ServiceCategory | None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_BOOKING_PAGE)
    form = CategoryForm(request.POST or None, organization=request.organization, category=category)
    if request.method == "POST" and form.is_valid():
        try:
            service_category_save(organization=request.organization, actor=actor_for_request(request),
                                  category=category, name=form.translated("name"),
                                  position=form.cleaned_data["position"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:booking_page", org_slug=request.organization.slug)
    return render(request, "web/booking_page/category.html", {"form": form, "category": category})


def service_page(request: HttpRequest, service_id: int) -> HttpResponse:
    service = get_for_member(request, Service, perm=Perm.MANAGE_BOOKING_PAGE, pk=service_id)
    form = ServicePageForm(request.POST or None, organization=request.organization, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            service_page_update(service=service, actor=actor_for_request(request),
                                category=form.cleaned_data["category"], names=form.translated("name"),
                                descriptions=form.translated("description"))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:booking_page", org_slug=request.organization.slug)
    return render(request, "web/booking_page/service.html", {"form": form, "service": service})


def staff_profile(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = get_for_member(request, Resource, perm=Perm.MANAGE_BOOKING_PAGE, pk=resource_id,
                              kind=ResourceKind.STAFF)
    form = StaffProfileForm(request.POST or None, request.FILES or None, organization=request.organization,
                            resource=resource)
    if request.method == "POST" and form.is_valid():
        try:
            staff_profile_update(resource=resource, actor=actor_for_request(request), bio=form.translated("bio"),
                                 photo=picture_change(form, "photo"))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:booking_page", org_slug=request.organization.slug)
    return render(request, "web/booking_page/staff.html", {"form": form, "resource": resource})
