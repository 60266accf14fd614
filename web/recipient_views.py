"""The organization's own recipients of client data (e.g. its accounting office), /o/<slug>/recipients/.

The privacy notice and the record of processing list them (privacy.documents reads the current
ones). Owners keep the list; the writes (each with its audit row) are `privacy.recipients`.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kernel.audit import actor_for_request
from privacy.documents import EEA  # a recipient elsewhere is a transfer the notice explains (Art. 13(1)(f))
from privacy.models import OrganizationRecipient
from privacy.recipients import recipient_add, recipient_remove
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm


class RecipientForm(forms.ModelForm):
    country = forms.CharField(label=gettext_lazy("Country"), max_length=60, initial="FI",
                              widget=forms.TextInput(attrs={"autocomplete": "off", "size": 4}))

    class Meta:
        model = OrganizationRecipient
        fields = ["name", "purpose", "data_categories", "country", "is_processor"]
        help_texts = {
            "purpose": gettext_lazy("For example: bookkeeping and the annual accounts."),
            "data_categories": gettext_lazy("For example: names and payments on receipts."),
            "country": gettext_lazy("Two-letter code, e.g. FI, SE, PL."),
            "is_processor": gettext_lazy("Tick when they act on your instructions (e.g. an accounting office); "
                                         "untick when they use the data for their own purposes (e.g. an "
                                         "authority)."),
        }

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise forms.ValidationError(_("Enter a two-letter country code, e.g. FI."))
        return country


def recipients(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    organization = request.organization
    form = RecipientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recipient = recipient_add(organization=organization, actor=actor_for_request(request), **form.cleaned_data)
        messages.success(request, _("%(name)s was added. Publish your privacy notice again so clients see it.")
                         % {"name": recipient.name})
        return redirect("web:recipients", org_slug=organization.slug)
    rows = scoped(request, OrganizationRecipient).order_by("name", "pk")
    return render(request, "web/recipients/list.html", {
        "form": form,
        "current": [r for r in rows if r.removed_at is None],
        "removed": [r for r in rows if r.removed_at is not None],
        "eea": EEA,
    })


@require_POST
def recipient_remove_view(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_for_member(request, OrganizationRecipient, perm=Perm.MANAGE_ORGANIZATION, pk=recipient_id,
                               removed_at=None)
    recipient_remove(recipient=recipient, actor=actor_for_request(request))
    messages.success(request, _("%(name)s was removed. Publish your privacy notice again so clients see it.")
                     % {"name": recipient.name})
    return redirect("web:recipients", org_slug=request.organization.slug)
