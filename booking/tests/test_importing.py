"""Importing future appointments from CSV: through the booking service, per row, idempotent.

The fixtures are real files (UTF-8 with commas, Windows-1252 with semicolons); their dates lie in 2031.
"""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from booking.importing import appointments_dry_run, appointments_import
from booking.models import Appointment, Channel
from clients.import_files import decode_upload
from clients.models import Client, ClientSource
from kernel.audit import Actor, verify
from kernel.models import AuditEvent
from notify.models import Message, ReminderRule
from tilli.test import make_bookable, make_client, run_worker

FIXTURES = Path(__file__).parents[2] / "clients" / "tests" / "fixtures"
ACTOR = Actor(kind="user", user_id=7, label="Olivia Owner", role="owner", ip="192.0.2.10")


def text(name: str) -> str:
    return decode_upload((FIXTURES / name).read_bytes())


@pytest.fixture
def salon(world):
    location, sari, service = make_bookable(world.org, world.practitioner, duration=60)
    service.name = "Hiustenleikkaus"
    service.save()
    sari.name = "Stylist Sari"
    sari.save()
    aino = make_client(world.org, first_name="Aino", last_name="Mäkelä", email="aino.makela@example.test")
    with translation.override("en"):
        yield world, location, sari, service, aino


def appointments(world):
    return Appointment.objects.filter(organization=world.org).order_by("start")


def test_the_dry_run_reports_each_row_and_books_nothing(salon):
    world, _location, _sari, _service, _aino = salon
    report = appointments_dry_run(world.org, text("appointments_utf8_comma.csv"))
    assert (report.rows, report.ready, report.already_booked) == (6, 3, 0)
    problems = {e.row: e.message for e in report.errors}
    # Row 4 (10:30) is free in the calendar now; only the real run, booking row 2 first, finds it taken.
    assert set(problems) == {5, 6, 7}
    assert "only future appointments" in problems[5] and "No service" in problems[6]
    assert "not free" in problems[7]
    assert [p.row for p in report.preview] == [2, 3, 4, 5, 6, 7] and report.preview[3].errors
    assert not appointments(world).exists()


def test_rows_are_booked_one_by_one_and_a_conflict_is_reported_not_fatal(salon):
    world, location, sari, service, aino = salon
    clients_before = Client.objects.for_organization(world.org).count()
    report = appointments_import(organization=world.org, source=text("appointments_utf8_comma.csv"), actor=ACTOR)
    assert (report.booked, report.clients_created, report.already_booked) == (2, 1, 0)
    assert sorted(e.row for e in report.errors) == [4, 5, 6, 7]
    assert "not free" in next(e.message for e in report.errors if e.row == 4)
    booked = list(appointments(world))
    helsinki = ZoneInfo(location.time_zone)
    assert [a.start.astimezone(helsinki).replace(tzinfo=None) for a in booked] == [
        datetime.datetime(2031, 3, 4, 10, 0), datetime.datetime(2031, 3, 4, 12, 0)]
    assert all(a.staff == sari and a.service == service and a.channel == Channel.IMPORT for a in booked)
    assert booked[0].client == aino  # matched by email, not created again
    new = booked[1].client
    assert (new.first_name, new.last_name, new.source) == ("Uusi", "Asiakas", ClientSource.IMPORT)
    # The rows that failed left nothing behind: no client for the taken, past or unknown rows.
    assert Client.objects.for_organization(world.org).count() == clients_before + 1
    summary = AuditEvent.objects.for_organization(world.org).order_by("-seq").first()
    assert summary.object_type == "booking.appointment" and summary.detail["booked"] == 2
    assert verify(world.org).ok


def test_the_same_file_imported_twice_books_nothing_twice(salon):
    world, *_ = salon
    appointments_import(organization=world.org, source=text("appointments_utf8_comma.csv"), actor=ACTOR)
    again = appointments_import(organization=world.org, source=text("appointments_utf8_comma.csv"), actor=ACTOR)
    assert (again.booked, again.already_booked) == (0, 2) and appointments(world).count() == 2
    assert appointments_dry_run(world.org, text("appointments_utf8_comma.csv")).already_booked == 2


def test_the_database_guarantee_holds_against_an_existing_booking(salon):
    world, _location, sari, service, _aino = salon
    from booking.services import appointment_book

    start = datetime.datetime(2031, 3, 4, 14, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    other = make_client(world.org, first_name="Eero", last_name="Esimerkki")
    appointment_book(service=service, start=start, client=other, channel="staff", actor=ACTOR, staff=sari)
    # A Windows-1252 file, semicolons, a Finnish date and time in one column, no staff column.
    report = appointments_import(organization=world.org, source=text("appointments_cp1252_semicolon.csv"),
                                 actor=ACTOR)
    assert report.booked == 0 and [e.row for e in report.errors] == [2]
    assert appointments(world).count() == 1


def test_imported_appointments_get_reminders_but_no_confirmation(salon):
    world, *_ = salon
    ReminderRule.objects.create(organization=world.org, hours_before=24, channel="email")
    appointments_import(organization=world.org, source=text("appointments_utf8_comma.csv"), actor=ACTOR)
    run_worker()
    kinds = set(Message.objects.filter(appointment__in=appointments(world)).values_list("kind", flat=True))
    assert kinds and "confirmed" not in kinds


def test_a_length_other_than_the_services_needs_an_adjustable_service(salon):
    world, _location, _sari, service, _aino = salon
    csv = "Client;Service;Start;Duration\nAino Mäkelä;Hiustenleikkaus;2031-03-06 10:00;90\n"
    report = appointments_import(organization=world.org, source=csv, actor=ACTOR)
    assert report.booked == 0 and "fixed" in report.errors[0].message
    service.length_adjustable = True
    service.save()
    report = appointments_import(organization=world.org, source=csv, actor=ACTOR)
    appointment = appointments(world).get()
    assert report.booked == 1 and appointment.end - appointment.start == datetime.timedelta(minutes=90)


def test_another_organizations_services_and_clients_are_never_used(salon):
    world, *_ = salon
    make_bookable(world.other_org, world.outsider)
    report = appointments_import(organization=world.other_org, source=text("appointments_utf8_comma.csv"),
                                 actor=ACTOR)
    assert report.booked == 0 and all("No service" in e.message or "future" in e.message for e in report.errors)
    assert not Appointment.objects.filter(organization=world.other_org).exists()
