"""Owners set up what can be booked: services, bookable staff and their weekly hours."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from booking.models import Location, Resource, ResourceKind, Service, WorkingHours
from privacy.audit import actor_for_request, record
from privacy.models import AuditAction
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.models import Membership
from tenancy.roles import Perm


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "description", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
                  "price", "currency", "vat_rate", "online_bookable", "min_notice_minutes", "max_advance_days",
                  "cancellation_hours", "granularity_minutes", "staff", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "staff": forms.CheckboxSelectMultiple}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Resource.objects.for_organization(organization).filter(
            kind=ResourceKind.STAFF, is_active=True)

    def clean_granularity_minutes(self):
        value = self.cleaned_data["granularity_minutes"]
        if (24 * 60) % value:
            raise forms.ValidationError(_("Choose a step that divides a day, e.g. 5, 10, 15, 20, 30 or 60."))
        return value


class HoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start_time", "end_time", "valid_from", "valid_until"]
        widgets = {"weekday": forms.Select(choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")),
                                                    (3, _("Thursday")), (4, _("Friday")), (5, _("Saturday")),
                                                    (6, _("Sunday"))]),
                   "start_time": forms.TimeInput(attrs={"type": "time"}),
                   "end_time": forms.TimeInput(attrs={"type": "time"}),
                   "valid_from": forms.DateInput(attrs={"type": "date"}),
                   "valid_until": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("The end must be after the start."))
        return data


HoursFormSet = forms.modelformset_factory(WorkingHours, form=HoursForm, extra=2, can_delete=True)


def services(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICES)
    staff = scoped(request, Resource).filter(kind=ResourceKind.STAFF).select_related("membership__user")
    unbookable = scoped(request, Membership).filter(is_active=True, resource__isnull=True).select_related("user")
    return render(request, "web/services/list.html", {
        "services": scoped(request, Service).prefetch_related("staff").order_by("name"),
        "staff": staff, "unbookable": unbookable})


def service_edit(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICES)
    service = get_for_member(request, Service, perm=Perm.MANAGE_SERVICES, pk=service_id) if service_id else None
    form = ServiceForm(request.POST or None, instance=service, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.organization = request.organization
            saved.save()
            form.save_m2m()
            record(organization=request.organization, actor=actor_for_request(request),
                   action=AuditAction.UPDATE if service else AuditAction.CREATE, obj=saved,
                   changed_fields=form.changed_data)
        messages.success(request, _("Service saved."))
        return redirect("web:services", org_slug=request.organization.slug)
    return render(request, "web/services/form.html", {"form": form, "service": service})


def staff_bookable(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Make a staff member bookable at the organization's first location (created if none)."""
    require_perm(request, Perm.MANAGE_SERVICES)
    membership = get_for_member(request, Membership, perm=Perm.MANAGE_SERVICES, pk=membership_id)
    if request.method == "POST":
        location = scoped(request, Location).filter(is_active=True).first() or Location.objects.create(
            organization=request.organization, name=request.organization.name,
            time_zone=request.organization.time_zone)
        resource, _created = Resource.objects.get_or_create(
            organization=request.organization, membership=membership,
            defaults={"kind": ResourceKind.STAFF, "name": str(membership.user), "location": location})
        return redirect("web:staff_hours", org_slug=request.organization.slug, resource_id=resource.pk)
    return redirect("web:services", org_slug=request.organization.slug)


def staff_hours(request: HttpRequest, resource_id: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICES)
    resource = get_for_member(request, Resource, perm=Perm.MANAGE_SERVICES, pk=resource_id)
    queryset = scoped(request, WorkingHours).filter(resource=resource).order_by("weekday", "start_time")
    formset = HoursFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            for row in formset.save(commit=False):
                row.organization, row.resource, row.location_id = request.organization, resource, resource.location_id
                row.save()
            for row in formset.deleted_objects:
                row.delete()
            record(organization=request.organization, actor=actor_for_request(request), action=AuditAction.UPDATE,
                   obj=resource, changed_fields=["working_hours"])
        messages.success(request, _("Working hours saved."))
        return redirect("web:staff_hours", org_slug=request.organization.slug, resource_id=resource.pk)
    return render(request, "web/services/hours.html", {"resource": resource, "formset": formset})
