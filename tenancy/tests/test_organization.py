"""Organization details: validated business IDs and time zones, audited changes, language and time."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kernel.models import AuditAction, AuditEvent
from tenancy.validators import normalise_business_id


@pytest.mark.parametrize(("country", "raw", "canonical"), [
    ("FI", "2345678-0", "2345678-0"),
    ("FI", "23456780", "2345678-0"),
    ("PL", "526-104-51-22", "5261045122"),
    ("PL", "5261045122", "5261045122"),
])
def test_valid_business_ids_are_normalised(country, raw, canonical):
    assert normalise_business_id(country, raw) == canonical


@pytest.mark.parametrize(("country", "raw"), [("FI", "2345678-1"), ("FI", "abc"), ("PL", "5261045123"),
                                              ("PL", "123")])
def test_invalid_business_ids_are_refused(country, raw):
    with pytest.raises(ValidationError):
        normalise_business_id(country, raw)


def _form(org, **changes):
    data = {name: getattr(org, name) for name in (
        "name", "business_id", "street_address", "postal_code", "city", "default_language", "time_zone",
        "privacy_contact_name", "privacy_contact_email", "privacy_contact_phone", "dpo_name", "dpo_email",
        "public_languages")}
    data.update(changes)
    return data


def test_the_owner_updates_the_privacy_contact_and_the_change_is_audited_without_values(world, client_for):
    url = reverse("web:organization_settings", kwargs={"org_slug": world.org.slug})
    response = client_for(world.owner).post(url, _form(world.org, privacy_contact_name="Tietosuoja Tiina",
                                                       privacy_contact_email="tietosuoja@example.test"))
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert world.org.privacy_contact_name == "Tietosuoja Tiina"
    event = AuditEvent.objects.for_organization(world.org).order_by("-seq").first()
    assert event.action == AuditAction.UPDATE
    assert event.changed_fields == ["privacy_contact_email", "privacy_contact_name"]
    assert "Tiina" not in str(event.detail)


def test_a_bad_business_id_or_time_zone_is_refused_in_the_users_language_and_nothing_is_lost(world, client_for):
    url = reverse("web:organization_settings", kwargs={"org_slug": world.org.slug})
    client = client_for(world.owner)
    client.cookies["django_language"] = "en"
    response = client.post(url, _form(world.org, business_id="1234567-8", time_zone="Mars/Olympus",
                                      city="Espoo"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "valid Finnish business ID" in html
    assert "valid time zone" in html
    assert 'value="Espoo"' in html  # what the user typed is kept in the form
    world.org.refresh_from_db()
    assert world.org.city != "Espoo"


def test_pages_use_the_organizations_language_and_time_zone_by_default(world, client_for):
    client = client_for(world.outsider)  # the Polish clinic, default language pl
    response = client.get(reverse("web:dashboard", kwargs={"org_slug": world.other_org.slug}))
    assert response.status_code == 200
    assert '<html lang="pl">' in response.content.decode()
    assert response.context["TIME_ZONE"] == "Europe/Warsaw"


def test_a_chosen_language_wins_over_the_organizations(world, client_for):
    client = client_for(world.outsider)
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    response = client.get(reverse("web:dashboard", kwargs={"org_slug": world.other_org.slug}))
    assert '<html lang="sv">' in response.content.decode()


def test_a_users_own_language_wins_over_the_organizations(world, client_for):
    user = world.outsider.user
    user.preferred_language = "fi"
    user.save()
    response = client_for(world.outsider).get(reverse("web:dashboard", kwargs={"org_slug": world.other_org.slug}))
    assert '<html lang="fi">' in response.content.decode()
