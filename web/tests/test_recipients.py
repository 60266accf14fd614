"""The owner keeps the list of the organization's own recipients of client data; others cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kernel.models import AuditAction, AuditEvent
from privacy.models import OrganizationRecipient
from tilli.test import World

ACCOUNTANT = {"name": "Tilitoimisto Numero Oy", "purpose": "Bookkeeping and the annual accounts",
              "data_categories": "Names and payments on receipts", "country": "fi", "is_processor": "on"}


def _list(world: World) -> str:
    return reverse("web:recipients", args=[world.org.slug])


def _recipient(world: World, **fields) -> OrganizationRecipient:
    values = {"name": "Palkka-apu Oy", "purpose": "Payroll", "data_categories": "none", **fields}
    return OrganizationRecipient.objects.create(organization=world.org, **values)


def test_the_owner_adds_a_recipient_and_the_change_is_audited(world, client_for):
    response = client_for(world.owner).post(_list(world), ACCOUNTANT)

    assert response.status_code == 302 and response["Location"] == _list(world)
    recipient = OrganizationRecipient.objects.get(organization=world.org)
    assert (recipient.name, recipient.country, recipient.is_processor) == ("Tilitoimisto Numero Oy", "FI", True)
    assert AuditEvent.objects.filter(organization=world.org, action=AuditAction.CREATE,
                                     object_type="privacy.organizationrecipient", object_id=str(recipient.pk)).exists()
    page = client_for(world.owner).get(_list(world)).content.decode()
    assert "Tilitoimisto Numero Oy" in page and "Bookkeeping and the annual accounts" in page


def test_a_bad_country_code_is_explained_and_the_input_kept(world, client_for):
    browser = client_for(world.owner)
    browser.cookies["django_language"] = "en"

    response = browser.post(_list(world), {**ACCOUNTANT, "country": "Finland"})

    assert response.status_code == 200
    assert "two-letter country code" in response.content.decode()
    assert "Tilitoimisto Numero Oy" in response.content.decode()
    assert not OrganizationRecipient.objects.exists()


def test_a_recipient_outside_the_eea_is_marked_as_a_transfer(world, client_for):
    _recipient(world, name="Cloud Payroll Inc", country="US")

    browser = client_for(world.owner)
    browser.cookies["django_language"] = "en"
    page = browser.get(_list(world)).content.decode()

    assert "outside the EU/EEA" in page


def test_the_owner_removes_a_recipient_and_it_moves_to_earlier_recipients(world, client_for):
    recipient = _recipient(world)
    url = reverse("web:recipient_remove", args=[world.org.slug, recipient.pk])

    response = client_for(world.owner).post(url)

    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.removed_at is not None
    assert AuditEvent.objects.filter(organization=world.org, action=AuditAction.DELETE,
                                     object_id=str(recipient.pk)).exists()
    page = client_for(world.owner).get(_list(world))
    assert page.context["current"] == [] and page.context["removed"] == [recipient]
    assert client_for(world.owner).post(url).status_code == 404  # already removed


def test_removing_needs_a_post(world, client_for):
    recipient = _recipient(world)

    assert client_for(world.owner).get(reverse("web:recipient_remove", args=[world.org.slug, recipient.pk])
                                       ).status_code == 405


@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant"])
def test_other_roles_cannot_see_or_change_the_recipients(world, client_for, role):
    recipient = _recipient(world)
    browser = client_for(world.member(role))

    assert browser.get(_list(world)).status_code == 404
    assert browser.post(_list(world), ACCOUNTANT).status_code == 404
    assert browser.post(reverse("web:recipient_remove", args=[world.org.slug, recipient.pk])).status_code == 404
    recipient.refresh_from_db()
    assert recipient.removed_at is None and OrganizationRecipient.objects.count() == 1


def test_an_owner_cannot_remove_another_organizations_recipient(world, client_for):
    theirs = OrganizationRecipient.objects.create(organization=world.other_org, name="Biuro Rachunkowe",
                                                  purpose="accounts", data_categories="receipts", country="PL")

    response = client_for(world.owner).post(reverse("web:recipient_remove", args=[world.org.slug, theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.removed_at is None
    assert "Biuro Rachunkowe" not in client_for(world.owner).get(_list(world)).content.decode()


def test_the_menu_links_the_page_for_the_owner_only(world, client_for):
    dashboard = reverse("web:dashboard", args=[world.org.slug])

    assert _list(world) in client_for(world.owner).get(dashboard).content.decode()
    assert _list(world) not in client_for(world.practitioner).get(dashboard).content.decode()


def test_the_privacy_notice_facts_list_only_current_recipients(world):
    from django.utils import timezone

    from privacy.documents import notice_facts

    _recipient(world, name="Nykyinen Oy")
    _recipient(world, name="Entinen Oy", removed_at=timezone.now())

    text = str(notice_facts(world.org))

    assert "Nykyinen Oy" in text and "Entinen Oy" not in text
