"""The organization list and page: plan, status and usage counted, searchable, and no client's personal data."""

from __future__ import annotations

from django.urls import reverse

from console.selectors import organizations, usage
from kernel.audit import Actor
from tenancy.status import organization_suspend
from tilli.test import book_appointment, make_client


def test_usage_counts_staff_clients_and_this_months_appointments(world):
    client = make_client(world.org, first_name="Sylvi", last_name="Salainen", email="sylvi@example.test")
    make_client(world.org, first_name="Toinen")
    book_appointment(world.org, world.practitioner, client, days_ahead=0)

    counted = usage(world.org)
    assert (counted.staff, counted.clients) == (4, 2)
    assert counted.appointments_this_month in (0, 1)  # 0 only when today is the month's last and it fell tomorrow
    assert usage(world.other_org).clients == 0


def test_the_list_searches_by_name_or_business_id_and_filters_by_status(world, operator):
    organization_suspend(organization=world.other_org, reason="Unpaid", actor=Actor.system("test"))
    assert [o.name for o in organizations(search="auro")] == ["Salon Aurora"]
    assert [o.name for o in organizations(search=world.other_org.business_id)] == ["Klinika Wisła"]
    assert [o.name for o in organizations(status="suspended")] == ["Klinika Wisła"]

    page = operator.get(reverse("console:organizations"), {"q": "wis", "status": "suspended"}).content.decode()
    assert "Klinika Wisła" in page and "Salon Aurora" not in page


def test_the_console_shows_no_clients_personal_data(world, operator):
    make_client(world.org, first_name="Sylvi", last_name="Salainen", email="sylvi@example.test",
                phone="0401112222")
    pages = [operator.get(reverse("console:organizations")).content.decode(),
             operator.get(reverse("console:organization", kwargs={"organization_id": world.org.pk})).content.decode()]
    for page in pages:
        for secret in ("Salainen", "sylvi@example.test", "401112222"):
            assert secret not in page


def test_an_unknown_organization_is_not_found(world, operator):
    assert operator.get(reverse("console:organization", kwargs={"organization_id": 999999})).status_code == 404
