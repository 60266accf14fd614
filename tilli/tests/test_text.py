"""One rule for typed text: no NUL or lone surrogate, no control or direction characters, not only
invisible characters; the same refusal in the API, the CSV import, the public booking form and the panel."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from api.services import api_token_create
from booking.models import Service
from clients.importing import dry_run
from clients.models import Client, PendingImport
from kernel.audit import Actor
from tilli.lib.text import text_problem, validate_clean_text
from tilli.test import make_bookable

RLO = "Aino\u202eoklaA"  # shows as "AinoAalko": the override reverses what follows
INVISIBLE = ["\u200b", "\u3164", "\u200b\u200c\u2060", "\u2800 \u115f"]
UNCLEAN = ["Ai\x00no", "Ai\udc80no", RLO, "a\u2066b", "Ai\x07no", *INVISIBLE]


@pytest.mark.parametrize("value", UNCLEAN)
def test_unclean_text_is_refused_with_a_reason(value):
    assert text_problem(value)
    with pytest.raises(ValidationError):
        validate_clean_text(value)


@pytest.mark.parametrize("value", ["Aino Aalto", "Łukasz Żółć", "Äänekoski", "", "   ", "rivi 1\nrivi 2\ttab",
                                   "שלום", "José-María O'Neil", "👩‍⚕️ Hoitaja"])
def test_ordinary_text_in_any_script_passes(value):
    assert text_problem(value) is None


@pytest.fixture
def token(world):
    return api_token_create(membership=world.owner, name="t", actor=Actor.system("t"))[1]


def api(method, path, token, body):
    return HttpClient().generic(method, f"/api/v1{path}", json.dumps(body), content_type="application/json",
                                headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("value", [RLO, *INVISIBLE])
def test_the_api_refuses_such_client_names_and_organization_names(world, token, value):
    response = api("POST", "/clients", token, {"first_name": value, "last_name": "Aalto"})
    assert response.status_code == 422 and "first_name" in response.json()["fields"]
    assert not Client.objects.exists()
    response = api("PATCH", "/organization", token, {"name": value})
    assert response.status_code == 422 and "name" in response.json()["fields"]
    world.org.refresh_from_db()
    assert world.org.name != value


def test_the_csv_import_reports_the_row(world):
    report = dry_run(world.org, f"etunimi;sukunimi\n{RLO};Aalto\nBo;Berg\n")
    assert [(e.row, e.column) for e in report.errors] == [(2, "etunimi")]


@pytest.mark.parametrize("value", [RLO, "\u200b"])
def test_the_public_booking_form_refuses_such_a_name(world, value):
    _, _, service = make_bookable(world.org, world.practitioner)
    from datetime import UTC, datetime, timedelta

    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = HttpClient().post(reverse("public_booking:details", args=[world.org.slug]), {
        "service": service.pk, "staff": "any", "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "first_name": value, "last_name": "Aalto", "email": "aino@example.test", "phone": "0401234567"})
    assert response.status_code == 200 and "first_name" in response.context["form"].errors
    assert not Client.objects.exists()


def test_the_service_form_refuses_a_name_with_a_direction_override(world, client_for):
    response = client_for(world.owner).post(reverse("web:service_new", kwargs={"org_slug": world.org.slug}), {
        "name": RLO, "duration_minutes": "60", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
        "price": "65.00", "currency": "EUR", "vat_rate": "25.50", "min_notice_minutes": "60",
        "max_advance_days": "90", "cancellation_hours": "24", "granularity_minutes": "15", "is_active": "on"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert not Service.objects.exists()


def test_an_upload_of_the_import_page_with_a_nul_is_refused(world, client_for):
    response = client_for(world.owner).post(reverse("web:client_import", kwargs={"org_slug": world.org.slug}), {
        "file": SimpleUploadedFile("c.csv", b"etunimi;sukunimi\nAi\x00no;Aalto\n", content_type="text/csv")})
    # Refused as a whole (a NUL means binary, not text): nothing waits, nothing is created.
    assert response.context.get("digest") is None and response.context["form"].errors["file"]
    assert not Client.objects.exists() and not PendingImport.objects.exists()
