"""Each organization is shown its own country's law: a Finnish salon's erasure never cites Polish law and a
Polish clinic's never Finnish, in the dry run, the portal, the kept receipts page, the notice and the record."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from billing.models import RETENTION_ACCOUNTING
from privacy.document_rendering import record_context, render_notice
from privacy.documents import notice_facts
from privacy.erasure import KEEP, plan_erasure
from tilli.test import make_full_client

FINNISH = ("Finnish", "Finland")
POLISH = ("Polish", "Poland")


def _kept_grounds(organization, practitioner) -> list[str]:
    organization.keeps_patient_records = True
    organization.save()
    full = make_full_client(organization, practitioner)
    with translation.override("en"):
        return [item.legal_ground for item in plan_erasure(full.client).items if item.action == KEEP]


@pytest.mark.django_db
def test_a_finnish_salons_erasure_cites_finnish_law_only(world):
    grounds = " | ".join(_kept_grounds(world.org, world.practitioner))
    assert "Finnish Accounting Act 2:10" in grounds and "Finnish decree 94/2022" in grounds
    assert not any(word in grounds for word in POLISH)


@pytest.mark.django_db
def test_a_polish_clinics_erasure_cites_polish_law_only(world):
    from tenancy.models import Role
    from tilli.test import add_member

    grounds = " | ".join(_kept_grounds(world.other_org, add_member(world.other_org, Role.PRACTITIONER)))
    assert "Polish Tax Ordinance art. 70 §1" in grounds and "Polish Act on patients' rights" in grounds
    assert not any(word in grounds for word in FINNISH)


@pytest.mark.django_db
@pytest.mark.parametrize(("country", "own", "foreign", "years"), [("FI", FINNISH, POLISH, 6),
                                                                  ("PL", POLISH, FINNISH, 5)])
def test_retention_in_words_names_only_the_countrys_period(country, own, foreign, years):
    with translation.override("en"):
        text = RETENTION_ACCOUNTING.describe(country)
    assert own[1] in text and f"{years} years" in text and not any(word in text for word in foreign)


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["org", "other_org"])
def test_the_notice_and_the_record_name_only_the_organizations_country(world, which):
    organization = getattr(world, which)
    organization.keeps_patient_records = True
    organization.save()
    foreign = POLISH if organization.country == "FI" else FINNISH
    with translation.override("en"):
        notice = render_notice(notice_facts(organization), organization=organization, language="en")
        record = str(record_context(organization))
    for text in (notice, record):
        assert not any(word in text for word in foreign), which


@pytest.mark.django_db
def test_the_kept_receipts_page_names_the_organizations_law(world, client_for):
    from billing.models import Payment
    from web.tests.privacy_helpers import english

    full = make_full_client(world.org, world.practitioner)
    Payment.objects.filter(client=full.client).update(restricted_until="2040-12-31")
    html = english(client_for(world.owner)).get(
        reverse("web:restricted_payments", kwargs={"org_slug": world.org.slug})).content.decode()
    assert "Finnish Accounting Act 2:10" in html and "Polish" not in html
