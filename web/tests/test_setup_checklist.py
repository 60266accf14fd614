"""The owner's setup checklist ticks itself from the data, one organization's data never ticks another's,
and only a completed list can be hidden, only by its own owner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.selectors import free_slots
from booking.services import appointment_book
from clients.services import client_create
from kernel.audit import Actor
from notify.configuration import reminder_rule_add
from privacy.document_rendering import agreement_store_signed
from privacy.documents import agreement_generate, publish_notice
from tenancy.models import Membership, Organization, SetupChecklistHidden
from tenancy.roles import Role
from tenancy.services import organization_update
from tilli.test import add_member, make_bookable, make_organization
from web.setup_checklist import setup_checklist

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
PDF = b"%PDF-1.4\n% signed\n"


def _done(organization: Organization) -> set[str]:
    return {step.key for step in setup_checklist(organization).steps if step.done}


def organization_owner(organization: Organization) -> Membership:
    return Membership.objects.get(organization=organization, role=Role.OWNER)


def _complete(organization: Organization, settings, tmp_path) -> None:
    """Every step, each through the service its page uses."""
    settings.DOCUMENT_DIR = tmp_path
    practitioner = add_member(organization, Role.PRACTITIONER)
    _location, resource, service = make_bookable(organization, practitioner)
    organization_update(organization=organization, actor=SYSTEM, privacy_contact_name="Pirjo Pihlaja",
                        privacy_contact_email="tietosuoja@pihlaja.example")
    publish_notice(organization=organization, actor=SYSTEM)
    agreement_store_signed(agreement=agreement_generate(organization=organization, actor=SYSTEM), data=PDF,
                           actor=SYSTEM)
    reminder_rule_add(organization=organization, actor=SYSTEM, hours_before=24, channel="email")
    day = timezone.localdate() + dt.timedelta(days=2)
    client = client_create(organization=organization, actor=SYSTEM, first_name="Aino", last_name="Asiakas",
                           email="aino@example.test")
    start = free_slots(service, day, day + dt.timedelta(days=7), staff=resource)[0].start
    appointment_book(service=service, start=start, client=client, channel="online", actor=SYSTEM, staff=resource)


def test_a_new_organization_starts_with_nothing_done_and_nine_steps():
    checklist = setup_checklist(make_organization())
    assert len(checklist.steps) == 9 and checklist.done_count == 0 and not checklist.complete


def test_each_step_ticks_itself_from_the_data(settings, tmp_path):
    organization = make_organization()
    _complete(organization, settings, tmp_path)
    assert _done(organization) == {"services", "staff", "hours", "booking_page", "privacy_contact",
                                   "privacy_notice", "agreement", "reminders", "first_booking"}
    assert setup_checklist(organization).complete


def test_a_service_not_bookable_online_does_not_open_the_booking_page():
    organization = make_organization()
    make_bookable(organization, organization_owner(organization), online_bookable=False)
    assert {"services", "hours"} <= _done(organization) and "booking_page" not in _done(organization)


def test_another_organizations_setup_ticks_nothing_here(world, settings, tmp_path):
    _complete(world.other_org, settings, tmp_path)
    fresh = make_organization()
    assert _done(fresh) == set()


def test_the_owner_sees_the_progress_and_each_step_links_to_its_page(world, client_for):
    page = client_for(world.owner).get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug})).content.decode()
    assert 'class="card setup-checklist"' in page
    assert f'href="{reverse("web:documents_agreement", kwargs={"org_slug": world.org.slug})}"' in page
    reception = client_for(world.reception).get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug}))
    assert "setup-checklist" not in reception.content.decode()


def test_an_unfinished_checklist_cannot_be_hidden(world, client_for):
    client_for(world.owner).post(reverse("web:setup_checklist_hide", kwargs={"org_slug": world.org.slug}))
    assert not SetupChecklistHidden.objects.exists()


def test_the_owner_hides_the_completed_checklist_and_only_their_own(world, client_for, settings, tmp_path):
    _complete(world.org, settings, tmp_path)
    hide = reverse("web:setup_checklist_hide", kwargs={"org_slug": world.org.slug})
    assert client_for(world.outsider).post(hide).status_code in (403, 404)
    assert client_for(world.reception).post(hide).status_code in (403, 404)
    assert not SetupChecklistHidden.objects.exists()
    client_for(world.owner).post(hide)
    assert SetupChecklistHidden.objects.get().organization == world.org
    page = client_for(world.owner).get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug}))
    assert "setup-checklist" not in page.content.decode()
    assert setup_checklist(world.other_org).hidden is False


