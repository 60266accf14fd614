"""The staff calendar: day and week views in the location's time zone, booking, moving and states."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from booking.models import (
    Appointment,
    AppointmentState,
    Channel,
    Location,
    Resource,
    ResourceKind,
    WorkingHours,
)
from booking.services import appointment_book, appointment_transition
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_bookable, make_client
from web.calendar_views import _hour_rows

SYSTEM = Actor.system("test")
HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = dt.date(2030, 6, 12)  # a Wednesday, no public holiday in Finland


def url(world, name, **kwargs):
    return reverse(name, kwargs={"org_slug": world.org.slug, **kwargs})


def english(client):
    client.cookies["django_language"] = "en"
    return client


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), HELSINKI)


@pytest.fixture
def setup(world):
    location, resource, service = make_bookable(world.org, world.practitioner, duration=60)
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen")
    return location, resource, service, anna


def book(service, start, client=None, channel=Channel.STAFF):
    return appointment_book(service=service, start=start, client=client, channel=channel, actor=SYSTEM)


def test_reception_sees_the_day_in_the_locations_time_zone_with_links_and_states(world, client_for, setup):
    _, resource, service, anna = setup
    appointment = book(service, local(DAY, 10), anna)
    client = english(client_for(world.reception))
    response = client.get(url(world, "web:calendar_list"), {"day": DAY.isoformat(), "staff": resource.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "10:00–11:00" in html  # 07:00 UTC shown as Helsinki time
    assert service.name in html and "Booked" in html
    assert url(world, "web:client_detail", client_id=anna.pk) in html and "Anna Virtanen" in html
    assert url(world, "web:calendar_state", appointment_id=appointment.pk) in html


def test_the_calendar_defaults_to_the_members_own_resource_and_today(world, client_for, setup):
    location, resource, _, _ = setup
    Resource.objects.create(organization=world.org, kind=ResourceKind.STAFF, name="Aaron First", location=location)
    response = client_for(world.practitioner).get(url(world, "web:calendar_list"))
    assert response.context["resource"] == resource
    assert response.context["day"] == dt.datetime.now(HELSINKI).date()
    # Someone without their own resource gets the first staff member.
    response = client_for(world.reception).get(url(world, "web:calendar_list"))
    assert response.context["resource"].name == "Aaron First"


def test_the_week_view_puts_each_appointment_on_its_local_day(world, client_for, setup):
    _, resource, service, anna = setup
    monday = DAY - dt.timedelta(days=DAY.weekday())
    book(service, local(monday, 9), anna)
    book(service, local(monday + dt.timedelta(days=4), 16))
    response = client_for(world.reception).get(url(world, "web:calendar_list"),
                                               {"day": DAY.isoformat(), "staff": resource.pk, "view": "week"})
    columns = response.context["columns"]
    assert [c.day for c in columns] == [monday + dt.timedelta(days=i) for i in range(7)]
    assert [len(c.appointments) for c in columns] == [1, 0, 0, 0, 1, 0, 0]
    assert "16:00–17:00" in response.content.decode()


def test_a_day_is_built_from_its_local_date_on_dst_days():
    spring, autumn = dt.date(2030, 3, 31), dt.date(2030, 10, 27)  # Europe: last Sundays of March and October
    spring_rows = _hour_rows(spring, HELSINKI, [], (0, 24))
    autumn_rows = _hour_rows(autumn, HELSINKI, [], (0, 24))
    assert len(spring_rows) == 23 and 3 not in [r.start.hour for r in spring_rows]
    assert len(autumn_rows) == 25 and [r.start.hour for r in autumn_rows].count(3) == 2
    assert all(r.label_offset for r in autumn_rows if r.start.hour == 3)
    assert not any(r.label_offset for r in spring_rows)


def test_appointments_on_a_dst_day_are_placed_by_their_local_start(world, client_for, setup):
    _, resource, service, _ = setup
    spring = dt.date(2030, 3, 31)
    book(service, local(spring, 10))
    response = english(client_for(world.reception)).get(url(world, "web:calendar_list"),
                                                        {"day": spring.isoformat(), "staff": resource.pk})
    rows = response.context["rows"]
    [row] = [r for r in rows if r.appointments]
    assert row.start.hour == 10 and row.start.utcoffset() == dt.timedelta(hours=3)
    assert rows[0].start.hour == 9  # working hours 9–17 local, also after the clocks changed
    assert "10:00–11:00" in response.content.decode()


def test_a_location_in_another_time_zone_shows_its_own_times(world, client_for):
    warsaw = Location.objects.create(organization=world.org, name="Warszawa", time_zone="Europe/Warsaw")
    _, resource, service = make_bookable(world.org, world.reception)
    resource.location = warsaw
    resource.save()
    start = dt.datetime.combine(DAY, dt.time(10), ZoneInfo("Europe/Warsaw"))
    book(service, start)
    html = client_for(world.owner).get(url(world, "web:calendar_list"),
                                       {"day": DAY.isoformat(), "staff": resource.pk}).content.decode()
    assert "10:00–11:00" in html and "Europe/Warsaw" in html


@pytest.mark.parametrize("name", ["web:calendar", "web:calendar_new"])
def test_the_accountant_gets_404_on_the_calendar(world, client_for, setup, name):
    assert client_for(world.accountant).get(url(world, name)).status_code == 404


def test_the_accountant_cannot_open_or_change_an_appointment(world, client_for, setup):
    _, _, service, _ = setup
    appointment = book(service, local(DAY, 10))
    accountant = client_for(world.accountant)
    assert accountant.get(url(world, "web:calendar_appointment", appointment_id=appointment.pk)).status_code == 404
    assert accountant.post(url(world, "web:calendar_state", appointment_id=appointment.pk),
                           {"state": "cancelled"}).status_code == 404
    assert accountant.post(url(world, "web:calendar_move", appointment_id=appointment.pk),
                           {"start": local(DAY, 12).isoformat()}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED and appointment.start == local(DAY, 10)


def test_reception_books_a_caller_from_the_free_times(world, client_for, setup):
    _, resource, service, anna = setup
    client = english(client_for(world.reception))
    page = client.get(url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(),
                                                       "service": service.pk})
    assert page.status_code == 200
    start = local(DAY, 9, 15)
    assert start.isoformat() in page.content.decode()
    response = client.post(url(world, "web:calendar_new"), {
        "staff": resource.pk, "day": DAY.isoformat(), "service": service.pk, "client": anna.pk,
        "start": start.isoformat(), "channel": "phone", "wishes": "Quiet please"})
    assert response.status_code == 302 and f"day={DAY.isoformat()}" in response["Location"]
    appointment = Appointment.objects.for_organization(world.org).get()
    assert (appointment.start, appointment.client, appointment.channel, appointment.staff) == (
        start, anna, Channel.PHONE, resource)
    assert appointment.created_by_user_id == world.reception.user.pk


def test_booking_a_taken_time_is_refused_with_a_clear_message(world, client_for, setup):
    _, resource, service, _ = setup
    book(service, local(DAY, 10))
    response = english(client_for(world.practitioner)).post(url(world, "web:calendar_new"), {
        "staff": resource.pk, "day": DAY.isoformat(), "service": service.pk, "client": "",
        "start": local(DAY, 10, 30).isoformat(), "channel": "walk_in"})
    assert response.status_code == 409
    assert "This time was just taken" in response.content.decode()
    assert Appointment.objects.for_organization(world.org).count() == 1


def test_booking_without_a_time_or_a_bogus_channel_is_refused_or_defaulted(world, client_for, setup):
    _, resource, service, _ = setup
    client = english(client_for(world.reception))
    response = client.post(url(world, "web:calendar_new"), {"staff": resource.pk, "service": service.pk,
                                                            "day": DAY.isoformat(), "start": "10:00"})
    assert response.status_code == 409 and "Choose a free time" in response.content.decode()
    client.post(url(world, "web:calendar_new"), {"staff": resource.pk, "service": service.pk, "day": DAY.isoformat(),
                                                 "start": local(DAY, 11).isoformat(), "channel": "online"})
    assert Appointment.objects.for_organization(world.org).get().channel == Channel.PHONE


def test_another_organizations_client_cannot_be_booked(world, client_for, setup):
    _, resource, service, _ = setup
    stranger = make_client(world.other_org, first_name="Obcy", last_name="Klient")
    response = client_for(world.reception).post(url(world, "web:calendar_new"), {
        "staff": resource.pk, "service": service.pk, "day": DAY.isoformat(), "client": stranger.pk,
        "start": local(DAY, 11).isoformat(), "channel": "phone"})
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_the_free_times_and_client_search_partials_for_htmx(world, client_for, setup):
    _, resource, service, anna = setup
    book(service, local(DAY, 9))
    client = english(client_for(world.reception))
    times = client.get(url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(),
                                                        "service": service.pk},
                       headers={"HX-Request": "true", "HX-Target": "free-times"})
    html = times.content.decode()
    assert "<html" not in html and local(DAY, 10).isoformat() in html and local(DAY, 9).isoformat() not in html
    found = client.post(url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(), "q": "virt",
                                                          "search": "1"},
                        headers={"HX-Request": "true", "HX-Target": "client-choices"})
    html = found.content.decode()
    assert "<html" not in html and f'value="{anna.pk}"' in html and "Anna Virtanen" in html
    assert AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.SEARCH).exists()
    assert not Appointment.objects.filter(client=anna).exists()  # searching books nothing
    ignored = client.get(url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(), "q": "virt"})
    assert "Anna Virtanen" not in ignored.content.decode()  # a name in a URL is never searched


def test_an_appointment_is_moved_to_a_free_time_and_a_taken_one_is_refused(world, client_for, setup):
    _, _, service, _ = setup
    appointment = book(service, local(DAY, 10))
    book(service, local(DAY, 14))
    client = english(client_for(world.practitioner))
    page = client.get(url(world, "web:calendar_appointment", appointment_id=appointment.pk))
    assert page.status_code == 200 and local(DAY, 12).isoformat() in page.content.decode()
    response = client.post(url(world, "web:calendar_move", appointment_id=appointment.pk),
                           {"start": local(DAY, 14, 30).isoformat()}, follow=True)
    assert "This time was just taken" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(DAY, 10)
    response = client.post(url(world, "web:calendar_move", appointment_id=appointment.pk),
                           {"start": local(DAY + dt.timedelta(days=1), 12).isoformat()}, follow=True)
    assert "Appointment moved." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(DAY + dt.timedelta(days=1), 12)


@pytest.mark.parametrize("state", ["confirmed", "completed", "no_show", "cancelled"])
def test_staff_change_the_state_of_an_appointment(world, client_for, setup, state):
    _, _, service, _ = setup
    appointment = book(service, local(DAY, 10))
    response = client_for(world.reception).post(url(world, "web:calendar_state", appointment_id=appointment.pk),
                                                {"state": state})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == state


def test_a_forbidden_transition_is_refused_with_a_message(world, client_for, setup):
    _, _, service, _ = setup
    appointment = book(service, local(DAY, 10))
    appointment_transition(appointment=appointment, to_state=AppointmentState.COMPLETED, actor=SYSTEM)
    client = english(client_for(world.reception))
    response = client.post(url(world, "web:calendar_state", appointment_id=appointment.pk),
                           {"state": "cancelled"}, follow=True)
    assert "cannot become cancelled" in response.content.decode()
    response = client.post(url(world, "web:calendar_move", appointment_id=appointment.pk),
                           {"start": local(DAY, 12).isoformat()}, follow=True)
    assert "Only a booked or confirmed appointment can be moved." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.COMPLETED and appointment.start == local(DAY, 10)


def test_showing_appointments_is_in_each_clients_access_log(world, client_for, setup):
    _, resource, service, anna = setup
    appointment = book(service, local(DAY, 10), anna)
    client_for(world.reception).get(url(world, "web:calendar_list"), {"day": DAY.isoformat(), "staff": resource.pk})
    event = AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.VIEW, object_type="booking.appointment", object_id=str(appointment.pk)).get()
    assert event.subject_ref == anna.subject_ref and event.actor_user_id == world.reception.user.pk


def test_the_menu_shows_the_calendar_only_to_those_who_may_see_it(world, client_for):
    link = url(world, "web:calendar")
    assert link in client_for(world.reception).get(url(world, "web:dashboard")).content.decode()
    assert link not in client_for(world.accountant).get(url(world, "web:dashboard")).content.decode()


def test_the_day_of_hours_ending_at_midnight_shows_its_evening_and_a_night_shift_its_morning(world, client_for):
    _, resource, _ = make_bookable(world.org, world.practitioner, hours=((16, 0),), weekdays=[DAY.weekday()])
    WorkingHours.objects.create(organization=world.org, resource=resource, location=resource.location,
                                weekday=(DAY.weekday() + 1) % 7, start_time=dt.time(22), end_time=dt.time(3, 30))
    client = english(client_for(world.reception))
    rows = client.get(url(world, "web:calendar_list"), {"day": DAY.isoformat(), "staff": resource.pk}).context["rows"]
    assert [r.start.hour for r in rows] == list(range(16, 24))
    for days, hours in ((1, [22, 23]), (2, [0, 1, 2, 3])):  # the night shift 22:00-03:30 on the next day
        day = DAY + dt.timedelta(days=days)
        rows = client.get(url(world, "web:calendar_list"),
                          {"day": day.isoformat(), "staff": resource.pk}).context["rows"]
        assert [r.start.hour for r in rows] == hours


def test_the_resource_calendar_greys_all_but_the_night_shift_reaching_into_a_day(world):
    """The grid of the day after a night shift starts open: 00:00-03:30 is the shift from the evening before."""
    from booking.calendar import calendar_window

    _, resource, _ = make_bookable(world.org, world.practitioner, hours=((22, 0),), weekdays=[DAY.weekday()])
    WorkingHours.objects.filter(resource=resource).update(end_time=dt.time(3, 30))
    tz = ZoneInfo(resource.location.time_zone)
    after = DAY + dt.timedelta(days=1)
    window = calendar_window(world.org, [resource], tz, after, after)
    closed = [(u.start.astimezone(tz).time(), u.end.astimezone(tz)) for u in window.unavailable if u.kind == "closed"]
    assert closed == [(dt.time(3, 30), dt.datetime.combine(after + dt.timedelta(days=1), dt.time(0), tz))]
