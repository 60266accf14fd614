"""The owner's setup checklist: what a new business still has to do before it takes bookings well.

Every step ticks itself from the organization's data (nothing is ticked by hand), so the list stays
true when a step is undone. "Booking page" means what the public page needs today: an active service,
bookable online, performed by a bookable staff member.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation
from booking.models import Appointment, Service, WorkingHours
from notify.models import ReminderRule
from privacy.models import AgreementStatus, PrivacyNoticeVersion, ProcessingAgreement
from tenancy.models import Membership, Organization, SetupChecklistHidden


@dataclass(frozen=True)
class Step:
    key: str
    label: Promise
    url: str
    done: bool


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]
    hidden: bool

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)


def _exists(model, organization: Organization, **filters) -> bool:
    return model.objects.for_organization(organization).filter(**filters).exists()


def setup_checklist(organization: Organization) -> Checklist:
    """The steps in the order a new business takes them, each with its page and whether it is done."""
    def url(name: str) -> str:
        return reverse(f"web:{name}", kwargs={"org_slug": organization.slug})

    services = Service.objects.for_organization(organization).filter(is_active=True)
    steps = (
        Step("services", _("Add your services"), url("services"), services.exists()),
        Step("staff", _("Invite your staff"), url("staff"),
             _exists(Invitation, organization) or Membership.objects.for_organization(organization).count() > 1),
        Step("hours", _("Set the opening hours"), url("services"), _exists(WorkingHours, organization)),
        Step("booking_page", _("Open your booking page: a service bookable online, with who performs it"),
             url("services"), services.filter(online_bookable=True, staff__is_active=True).exists()),
        Step("privacy_contact", _("Name your privacy contact"), url("organization_settings"),
             bool(organization.privacy_contact_name and organization.privacy_contact_email)),
        Step("privacy_notice", _("Publish your privacy notice"), url("documents"),
             _exists(PrivacyNoticeVersion, organization)),
        Step("agreement", _("Sign the processing agreement"), url("documents_agreement"),
             _exists(ProcessingAgreement, organization, status=AgreementStatus.SIGNED)),
        Step("reminders", _("Choose the reminders"), url("message_settings"), _exists(ReminderRule, organization)),
        Step("first_booking", _("Take your first booking"), url("calendar"), _exists(Appointment, organization)),
    )
    return Checklist(steps=steps, hidden=_exists(SetupChecklistHidden, organization))
