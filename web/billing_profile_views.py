"""The owner's billing details: bank account, VAT number, terms and e-invoice address (billing.invoicing saves)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from billing.invoicing import billing_profile_save, profile_for
from kernel.audit import actor_for_request
from tenancy.access import require_perm
from tenancy.roles import Perm
from web.form_errors import apply_errors
from web.invoice_forms import BillingProfileForm


def billing_profile(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    profile = profile_for(request.organization)
    form = BillingProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            billing_profile_save(organization=request.organization, actor=actor_for_request(request),
                                 **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Billing details saved."))
            return redirect("web:billing_profile", org_slug=request.organization.slug)
    return render(request, "web/invoices/billing_profile.html", {"form": form})
