"""/api/v1/calendar: a location's day, a staff member's week, a month's load, moves and resizes with 409."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from api.services import api_token_create
from api.tests.test_api import call
from booking.models import Appointment, HoursException, Resource, ResourceKind, TimeOffKind
from booking.services import appointment_book
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.test import make_bookable, make_client


@pytest.fixture
def cal(world):
    location, anna, service = make_bookable(world.org, world.practitioner)
    _, bert, _ = make_bookable(world.org, world.owner)
    service.staff.add(bert)
    tz = ZoneInfo(location.time_zone)
    day = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())
    client = make_client(world.org, first_name="Aino", last_name="Asiakas")
    first = appointment_book(service=service, start=dt.datetime.combine(day, dt.time(10), tz), client=client,
                             channel="phone", actor=Actor.system("t"), staff=anna)
    second = appointment_book(service=service, start=dt.datetime.combine(day, dt.time(12), tz), client=None,
                              channel="phone", actor=Actor.system("t"), staff=anna)
    token = api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]
    return location, anna, bert, service, tz, day, first, second, token


def test_day_lists_every_column_its_appointments_and_closed_hours(world, cal):
    location, anna, bert, _service, _tz, day, first, second, token = cal
    room = Resource.objects.create(organization=world.org, kind=ResourceKind.ROOM, name="Room 1", location=location)
    body = call("GET", f"/calendar/day?location={location.pk}&date={day}", token).json()
    staff_by_name = [r.pk for r in sorted([anna, bert], key=lambda r: r.name)]
    assert [r["id"] for r in body["resources"]] == [*staff_by_name, room.pk]  # staff by name, then rooms
    assert body["time_zone"] == location.time_zone
    events = {e["id"]: e for e in body["appointments"]}
    assert events[first.pk]["start_local"] == f"{day}T10:00" and events[first.pk]["client_name"] == "Aino Asiakas"
    assert events[first.pk]["editable"] and not events[first.pk]["resizable"]
    assert events[second.pk]["client_name"] is None
    closed = [u for u in body["unavailable"] if u["resource_id"] == anna.pk and u["kind"] == "closed"]
    assert [(u["start_local"], u["end_local"]) for u in closed] == [
        (f"{day}T00:00", f"{day}T09:00"), (f"{day}T17:00", f"{day + dt.timedelta(days=1)}T00:00")]


def test_showing_the_day_writes_each_appointment_to_the_access_log(world, cal):
    location, *_rest, first, _second, token = cal
    before = AuditEvent.objects.filter(object_id=str(first.pk), action="view").count()
    call("GET", f"/calendar/day?location={location.pk}&date={_rest[4]}", token)
    assert AuditEvent.objects.filter(object_id=str(first.pk), action="view").count() == before + 1


def test_time_off_is_shown_and_the_fingerprint_changes_with_it(world, cal):
    location, anna, _bert, _service, tz, day, *_x, token = cal
    path = f"/calendar/fingerprint?location={location.pk}&date={day}"
    before = call("GET", path, token).json()["fingerprint"]
    assert call("GET", path, token).json()["fingerprint"] == before
    HoursException.objects.create(organization=world.org, resource=anna, kind=TimeOffKind.TIME_OFF,
                                  start=dt.datetime.combine(day, dt.time(14), tz),
                                  end=dt.datetime.combine(day, dt.time(15), tz))
    after = call("GET", path, token).json()["fingerprint"]
    assert after != before
    body = call("GET", f"/calendar/day?location={location.pk}&date={day}", token).json()
    assert body["fingerprint"] == after  # the day computes it from its own rows: the poll must agree
    assert {"resource_id": anna.pk, "start_local": f"{day}T14:00", "end_local": f"{day}T15:00",
            "kind": "time_off"} in body["unavailable"]


def test_week_of_a_staff_member_runs_monday_to_sunday(world, cal):
    _location, anna, *_x, day, first, second, token = cal
    body = call("GET", f"/calendar/week?staff={anna.pk}&date={day + dt.timedelta(days=3)}", token).json()
    assert body["first_day"] == str(day) and body["last_day"] == str(day + dt.timedelta(days=6))
    assert {e["id"] for e in body["appointments"]} == {first.pk, second.pk}


def test_month_tells_each_days_load(world, cal):
    location, *_x, day, _first, _second, token = cal
    month = call("GET", f"/calendar/month?location={location.pk}&date={day}", token).json()
    days = {d["day"]: d for d in month["days"]}
    assert days[str(day)]["appointments"] == 2 and days[str(day)]["booked_minutes"] == 120
    assert days[str(day)]["working_minutes"] == 2 * 8 * 60 and days[str(day)]["percent"] == 12


def test_move_to_another_staff_member_and_time(world, cal):
    _location, _anna, bert, _service, _tz, day, first, _second, token = cal
    moved = call("POST", f"/calendar/appointments/{first.pk}/move", token,
                 {"start": f"{day}T13:30:00", "staff_id": bert.pk})
    assert moved.status_code == 200, moved.content
    first.refresh_from_db()
    assert first.staff_id == bert.pk and moved.json()["start_local"] == f"{day}T13:30"


@pytest.mark.parametrize(("start", "code", "words"), [
    ("T12:30:00", "slot_taken", "just taken"),
    ("T18:00:00", "not_working", "does not work then"),
])
def test_a_refused_move_answers_409_with_the_reason(world, cal, start, code, words):
    *_x, day, first, _second, token = cal
    refused = call("POST", f"/calendar/appointments/{first.pk}/move", token, {"start": f"{day}{start}"})
    assert refused.status_code == 409 and refused.json()["code"] == code and words in refused.json()["message"]
    first.refresh_from_db()
    assert first.start.astimezone(cal[4]).hour == 10


def test_the_reason_comes_in_the_callers_language(world, cal):
    *_x, day, first, _second, token = cal
    refused = call("POST", f"/calendar/appointments/{first.pk}/move", token, {"start": f"{day}T12:30:00"},
                   language="fi")
    assert refused.status_code == 409 and "taken" not in refused.json()["message"]


def test_resize_where_the_service_allows_it(world, cal):
    *_x, service, _tz, day, first, _second, token = cal
    fixed = call("POST", f"/calendar/appointments/{first.pk}/resize", token, {"end": f"{day}T11:30:00"})
    assert fixed.status_code == 422
    service.length_adjustable = True
    service.save()
    longer = call("POST", f"/calendar/appointments/{first.pk}/resize", token, {"end": f"{day}T11:30:00"})
    assert longer.status_code == 200 and longer.json()["end_local"] == f"{day}T11:30"
    into_next = call("POST", f"/calendar/appointments/{first.pk}/resize", token, {"end": f"{day}T12:30:00"})
    assert into_next.status_code == 409 and into_next.json()["code"] == "slot_taken"
    # The new length stays when it moves.
    moved = call("POST", f"/calendar/appointments/{first.pk}/move", token, {"start": f"{day}T14:00:00"})
    assert moved.json()["end_local"] == f"{day}T15:30"


def test_another_organization_sees_nothing(world, cal):
    location, anna, *_x, day, first, _second, _token = cal
    outsider = api_token_create(membership=world.outsider, name="t", actor=Actor.system("t"))[1]
    assert call("GET", f"/calendar/day?location={location.pk}&date={day}", outsider).status_code == 404
    assert call("GET", f"/calendar/week?staff={anna.pk}&date={day}", outsider).status_code == 404
    moved = call("POST", f"/calendar/appointments/{first.pk}/move", outsider, {"start": f"{day}T14:00:00"})
    assert moved.status_code == 404
    assert Appointment.objects.get(pk=first.pk).start == first.start


def test_the_accountant_has_no_calendar(world, cal):
    location, *_x, day, first, _second, _token = cal
    token = api_token_create(membership=world.accountant, name="t", actor=Actor.system("t"))[1]
    assert call("GET", f"/calendar/day?location={location.pk}&date={day}", token).status_code == 403
    assert call("POST", f"/calendar/appointments/{first.pk}/move", token,
                {"start": f"{day}T14:00:00"}).status_code == 404


def test_the_panel_calls_with_its_session_and_the_csrf_token(world, cal, client_for):
    location, *_x, day, first, _second, _token = cal
    browser: Client = client_for(world.reception)
    browser.handler.enforce_csrf_checks = True
    headers = {"X-Tilli-Organization": world.org.slug}
    assert browser.get(f"/api/v1/calendar/day?location={location.pk}&date={day}", headers=headers).status_code == 200
    assert browser.get(f"/api/v1/calendar/day?location={location.pk}&date={day}").status_code == 401
    other = {"X-Tilli-Organization": world.other_org.slug}
    assert browser.get(f"/api/v1/calendar/day?date={day}", headers=other).status_code == 401
    body = json.dumps({"start": f"{day}T14:00:00"})
    path = f"/api/v1/calendar/appointments/{first.pk}/move"
    without = browser.post(path, body, content_type="application/json", headers=headers)
    assert without.status_code == 403 and without.json()["code"] == "csrf"
    browser.get(f"/o/{world.org.slug}/calendar/")
    token = browser.cookies["csrftoken"].value
    moved = browser.post(path, body, content_type="application/json", headers={**headers, "X-CSRFToken": token})
    assert moved.status_code == 200


def test_openapi_documents_the_calendar(world):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    move = paths["/api/v1/calendar/appointments/{appointment_id}/move"]["post"]
    assert "409" in move["responses"] and "/api/v1/calendar/day" in paths


def test_a_cancelled_appointment_leaves_the_day_but_changes_its_fingerprint(world, cal):
    location, *_x, day, first, _second, token = cal
    day_path = f"/calendar/day?location={location.pk}&date={day}"
    before = call("GET", day_path, token).json()["fingerprint"]
    Appointment.objects.filter(pk=first.pk).update(state="cancelled", revision=first.revision + 1)
    body = call("GET", day_path, token).json()
    assert first.pk not in {e["id"] for e in body["appointments"]}
    assert body["fingerprint"] != before
    assert call("GET", f"/calendar/fingerprint?location={location.pk}&date={day}", token).json()[
        "fingerprint"] == body["fingerprint"]
