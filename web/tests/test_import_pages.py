"""The import and export pages: check, then confirm; who may use them; the file waits encrypted in the
database (never in the session), for 30 minutes at most, and is gone after the import or a cancel.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientSource, PendingImport
from clients.pending_imports import purge_pending_imports
from kernel.models import AuditAction, AuditEvent
from tilli.test import HETU, make_client

GOOD = "etunimi;sukunimi;puhelin;sähköposti\nAnna;Aalto;0401234567;anna@example.test\nBo;Berg;0401234568;\n"


def url(world, name, **kwargs):
    return reverse(name, kwargs={"org_slug": world.org.slug, **kwargs})


def english(client):
    client.cookies["django_language"] = "en"
    return client


def upload(text: str | bytes, name: str = "clients.csv") -> dict:
    data = text.encode() if isinstance(text, str) else text
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def waiting(world):
    return PendingImport.objects.for_organization(world.org)


def nothing_in_the_session(client) -> bool:
    return not any(key.startswith("client_import") for key in dict(client.session.items()))


@pytest.fixture
def owner(world, client_for):
    return english(client_for(world.owner))


def test_the_owner_checks_a_file_then_confirms_and_the_file_is_then_gone(world, owner):
    response = owner.post(url(world, "web:client_import"), upload(GOOD))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-rows">2<' in html and 'id="import-would-create">2<' in html and 'id="import-submit"' in html
    assert not Client.objects.for_organization(world.org).exists()
    digest = response.context["digest"]
    assert waiting(world).get().digest == digest and nothing_in_the_session(owner)

    response = owner.post(url(world, "web:client_import_confirm"), {"digest": digest})
    assert response.status_code == 302 and response["Location"] == url(world, "web:client_list")
    assert "Anna" not in response["Location"]
    created = Client.objects.for_organization(world.org)
    assert created.count() == 2 and all(c.source == ClientSource.IMPORT for c in created)
    creates = AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.CREATE,
                                                                    object_type="clients.client")
    assert creates.count() == 2 and {e.actor_user_id for e in creates} == {world.owner.user.pk}
    assert not waiting(world).exists()
    assert "2 clients were imported." in owner.get(url(world, "web:client_list")).content.decode()
    # A second click of the same button finds nothing waiting and imports nothing twice.
    response = owner.post(url(world, "web:client_import_confirm"), {"digest": digest})
    assert response.status_code == 302 and created.count() == 2


def test_a_file_with_errors_lists_the_rows_and_cannot_be_confirmed(world, owner):
    world.org.national_id_enabled = True
    world.org.save()
    text = "first_name;last_name;phone;hetu\nAnna;Aalto;12;\nBo;Berg;0401234568;131052-308X\n"
    response = owner.post(url(world, "web:client_import"), upload(text))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid phone number" in html and "personal identity code" in html
    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "phone"), (3, "hetu")]
    assert "131052-308X" not in html  # a national ID is never echoed back
    assert 'id="import-submit"' not in html  # no import button while a row has an error
    # The file waits for a better mapping: leaving the two columns out makes it importable.
    digest = response.context["digest"]
    response = owner.post(url(world, "web:client_import_preview"),
                          {"digest": digest, "col_0": "first_name", "col_1": "last_name", "col_2": "", "col_3": ""})
    assert response.context["report"].ok and 'id="import-submit"' in response.content.decode()
    # Confirming the first mapping anyway is refused again, creates nothing, and the file still waits.
    response = owner.post(url(world, "web:client_import_confirm"), {
        "digest": digest, "col_0": "first_name", "col_1": "last_name", "col_2": "phone", "col_3": "national_id"})
    assert response.status_code == 200 and not response.context["report"].ok
    assert not Client.objects.for_organization(world.org).exists() and waiting(world).count() == 1
    response = owner.post(url(world, "web:client_import_confirm"), {"digest": "anything"})
    assert response["Location"] == url(world, "web:client_import")
    assert not Client.objects.for_organization(world.org).exists()


def test_likely_duplicates_link_to_the_client_and_each_row_has_a_choice(world, owner):
    world.org.national_id_enabled = True
    world.org.save()
    anna = make_client(world.org, first_name="Anna", last_name="Aalto", phone="0401234567", national_id=HETU)
    response = owner.post(url(world, "web:client_import"), upload(GOOD))
    html = response.content.decode()
    assert url(world, "web:client_detail", client_id=anna.pk) in html and "same name, same phone" in html
    assert HETU not in html
    assert 'name="choice_2" value="skip" checked' in html and 'name="choice_2" value="update"' in html
    owner.post(url(world, "web:client_import_confirm"), {"digest": response.context["digest"],
                                                         "choice_2": "update"})
    anna.refresh_from_db()
    assert anna.email == "anna@example.test"  # the empty email was filled from the row
    assert list(Client.objects.for_organization(world.org).values_list("first_name", flat=True)
                .order_by("pk")) == ["Anna", "Bo"]


def test_a_national_id_is_masked_on_the_columns_page(world, owner):
    world.org.national_id_enabled = True
    world.org.save()
    response = owner.post(url(world, "web:client_import"), upload(f"etunimi;sukunimi;hetu\nAnna;Aalto;{HETU}\n"))
    html = response.content.decode()
    assert response.context["report"].ok and HETU not in html and "••••••-•••T" in html


def test_the_same_file_imported_twice_creates_nothing_twice(world, owner):
    for _ in range(2):
        response = owner.post(url(world, "web:client_import"), upload(GOOD))
        owner.post(url(world, "web:client_import_confirm"), {"digest": response.context["digest"]})
    assert Client.objects.for_organization(world.org).count() == 2


def test_a_saved_mapping_is_suggested_for_a_file_with_the_same_columns(world, owner, client_for):
    text = "Asiakas;Suku;Kännykkä\nAnna;Aalto;0401234567\n"
    response = owner.post(url(world, "web:client_import"), upload(text))
    assert response.context["report"] is None and "No column holds the name" in response.content.decode()
    mapping = {"col_0": "first_name", "col_1": "last_name", "col_2": "phone"}
    response = owner.post(url(world, "web:client_import_preview"), {
        "digest": response.context["digest"], **mapping, "save_mapping": "1", "mapping_name": "Vanha järjestelmä"})
    assert response.context["report"].ok and "The mapping was saved" in response.content.decode()
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="clients.importmapping").get()
    assert event.action == AuditAction.CREATE
    # The next file with these columns, in another order, gets the mapping without asking.
    response = owner.post(url(world, "web:client_import"), upload("Kännykkä;Suku;Asiakas\n0401234568;Berg;Bo\n"))
    html = response.content.decode()
    assert "Vanha järjestelmä" in html and response.context["report"].ok
    assert [c[3] for c in response.context["columns"]] == ["phone", "last_name", "first_name"]
    # Another organization's owner uploading the same columns is neither offered nor given the mapping.
    outsider = english(client_for(world.outsider))
    response = outsider.post(reverse("web:client_import", kwargs={"org_slug": world.other_org.slug}),
                             upload("Kännykkä;Suku;Asiakas\n0401234568;Berg;Bo\n"))
    assert response.status_code == 200 and response.context["report"] is None
    assert "Vanha" not in response.content.decode() and response.context["saved_mappings"] == []


def test_cancel_discards_the_waiting_file(world, owner):
    response = owner.post(url(world, "web:client_import"), upload(GOOD))
    response = owner.post(url(world, "web:client_import_confirm"),
                          {"digest": response.context["digest"], "cancel": "1"})
    assert response["Location"] == url(world, "web:client_import")
    assert not waiting(world).exists() and not Client.objects.for_organization(world.org).exists()


def test_unreadable_and_oversized_files_are_refused_on_the_upload_page(world, owner, monkeypatch):
    html = owner.post(url(world, "web:client_import"), upload(b"\x00\x01PK\x03\x04")).content.decode()
    assert "not a text file" in html
    html = owner.post(url(world, "web:client_import"), upload("")).content.decode()
    assert "empty" in html
    monkeypatch.setattr("web.import_views.MAX_FILE_BYTES", 10)
    html = owner.post(url(world, "web:client_import"), upload(GOOD)).content.decode()
    assert "larger than 5 MB" in html
    assert not waiting(world).exists()


def test_the_waiting_file_is_encrypted_with_the_organizations_key(world, owner):
    owner.post(url(world, "web:client_import"), upload(GOOD))
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM clients_pendingimport")
        (stored,) = cursor.fetchone()
    assert "Anna" not in stored and "0401234567" not in stored and "anna@example.test" not in stored
    assert waiting(world).get().text.replace("\r\n", "\n") == GOOD
    session = owner.session
    assert nothing_in_the_session(owner) and "Aalto" not in str(dict(session.items()))


def test_after_30_minutes_the_file_no_longer_waits_and_the_scheduler_purges_it(world, owner):
    digest = owner.post(url(world, "web:client_import"), upload(GOOD)).context["digest"]
    pending = waiting(world).get()
    assert timedelta(minutes=29) < pending.expires_at - timezone.now() <= timedelta(minutes=30)
    waiting(world).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = owner.post(url(world, "web:client_import_confirm"), {"digest": digest})
    assert response["Location"] == url(world, "web:client_import")
    assert not Client.objects.for_organization(world.org).exists() and not waiting(world).exists()
    owner.post(url(world, "web:client_import"), upload(GOOD))
    assert purge_pending_imports(now=timezone.now() + timedelta(minutes=31)) == {"deleted": 1}
    assert not waiting(world).exists()


def test_another_member_cannot_confirm_the_owners_file(world, owner, client_for):
    from tenancy.roles import Role
    from tilli.test import add_member

    digest = owner.post(url(world, "web:client_import"), upload(GOOD)).context["digest"]
    second_owner = english(client_for(add_member(world.org, Role.OWNER)))
    second_owner.post(url(world, "web:client_import_confirm"), {"digest": digest})
    assert not Client.objects.for_organization(world.org).exists() and waiting(world).count() == 1


def test_the_upload_page_explains_the_columns(world, owner):
    html = owner.get(url(world, "web:client_import")).content.decode()
    assert 'enctype="multipart/form-data"' in html and "sähköposti" in html and "never imported" in html


def test_the_export_downloads_a_csv_and_is_audited(world, client_for):
    anna = make_client(world.org, phone="0401234567")
    response = client_for(world.accountant).post(url(world, "web:client_export"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith("\ufeff".encode()) and b"+358401234567" in response.content
    event = AuditEvent.objects.for_organization(world.org).order_by("-seq").first()
    assert event.action == AuditAction.EXPORT and event.subject_ref == anna.subject_ref
    assert event.actor_user_id == world.accountant.user.pk
    assert client_for(world.accountant).get(url(world, "web:client_export")).status_code == 405


@pytest.mark.parametrize("role", ["reception", "practitioner"])
def test_reception_and_practitioners_can_neither_import_nor_export(world, client_for, role):
    client = client_for(world.member(role))
    assert client.get(url(world, "web:client_import")).status_code == 404
    assert client.post(url(world, "web:client_import"), upload(GOOD)).status_code == 404
    for name in ("web:client_import_preview", "web:client_import_confirm", "web:appointment_import",
                 "web:appointment_import_preview", "web:appointment_import_confirm"):
        assert client.post(url(world, name), {"digest": "x"}).status_code == 404
    assert client.post(url(world, "web:client_export")).status_code == 404
    html = client.get(url(world, "web:client_list")).content.decode()
    assert url(world, "web:client_import") not in html and url(world, "web:client_export") not in html
    assert not Client.objects.for_organization(world.org).exists()


def test_the_accountant_exports_but_cannot_import(world, client_for):
    client = client_for(world.accountant)
    assert client.get(url(world, "web:client_import")).status_code == 404
    assert client.post(url(world, "web:client_import"), upload(GOOD)).status_code == 404
    assert client.post(url(world, "web:client_export")).status_code == 200
    html = client.get(url(world, "web:client_list")).content.decode()
    assert url(world, "web:client_export") in html and url(world, "web:client_import") not in html


def test_the_owner_sees_both_buttons_on_the_client_list(world, owner):
    html = owner.get(url(world, "web:client_list")).content.decode()
    assert url(world, "web:client_import") in html and url(world, "web:client_export") in html


def test_another_organizations_member_gets_404_and_no_data(world, client_for):
    make_client(world.org, last_name="Salainen", phone="0401234567")
    outsider = client_for(world.outsider)
    for name in ("web:client_import", "web:client_import_preview", "web:client_import_confirm", "web:client_export",
                 "web:appointment_import", "web:appointment_import_preview", "web:appointment_import_confirm"):
        for method in ("get", "post"):
            response = getattr(outsider, method)(url(world, name))
            assert response.status_code == 404 and b"Salainen" not in response.content
    assert not AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.EXPORT).exists()


APPOINTMENTS = ("Asiakas;Sähköposti;Palvelu;Työntekijä;Päivämäärä;Klo\n"
                "Aino Mäkelä;aino@example.test;Hiustenleikkaus;Stylist Sari;4.3.2031;10.00\n"
                "Bo Berg;bo@example.test;Hiustenleikkaus;Stylist Sari;4.3.2031;10.30\n")


@pytest.fixture
def salon(world):
    from tilli.test import make_bookable

    _location, sari, service = make_bookable(world.org, world.practitioner, duration=60)
    service.name, sari.name = "Hiustenleikkaus", "Stylist Sari"
    service.save()
    sari.save()
    return sari, service


def test_the_owner_previews_and_books_appointments_row_by_row(world, owner, salon):
    from booking.models import Appointment

    response = owner.post(url(world, "web:appointment_import"), upload(APPOINTMENTS))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="import-would-book">2<' in html
    assert [c[3] for c in response.context["columns"]] == ["client_name", "client_email", "service", "staff",
                                                            "date", "time"]
    assert not Appointment.objects.filter(organization=world.org).exists()
    response = owner.post(url(world, "web:appointment_import_confirm"), {"digest": response.context["digest"]})
    html = response.content.decode()
    # Row 3 overlaps row 2, booked a moment before: reported, not fatal.
    assert 'id="import-booked">1<' in html and 'id="import-error-rows">1<' in html
    assert Appointment.objects.filter(organization=world.org).count() == 1 and not waiting(world).exists()


def test_an_appointment_file_cannot_be_confirmed_as_a_client_file(world, owner, salon):
    digest = owner.post(url(world, "web:appointment_import"), upload(APPOINTMENTS)).context["digest"]
    response = owner.post(url(world, "web:client_import_confirm"), {"digest": digest})
    assert response["Location"] == url(world, "web:client_import")
    assert not Client.objects.for_organization(world.org).exists()
