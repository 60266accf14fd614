"""Owners set up services, bookable staff and working hours; others cannot."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Resource, Service, WorkingHours


def url(world, name, **kwargs):
    return reverse(name, kwargs={"org_slug": world.org.slug, **kwargs})


def test_the_owner_makes_a_member_bookable_sets_hours_and_adds_a_service(world, client_for):
    client = client_for(world.owner)
    assert client.post(url(world, "web:staff_bookable", membership_id=world.practitioner.pk)).status_code == 302
    resource = Resource.objects.get(membership=world.practitioner)
    form = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
            "form-0-weekday": "0", "form-0-start_time": "09:00", "form-0-end_time": "12:00",
            "form-1-weekday": "0", "form-1-start_time": "13:00", "form-1-end_time": "13:00"}
    response = client.post(url(world, "web:staff_hours", resource_id=resource.pk), form)
    assert response.status_code == 200 and not WorkingHours.objects.filter(resource=resource).exists()
    form["form-1-end_time"] = "17:00"
    assert client.post(url(world, "web:staff_hours", resource_id=resource.pk), form).status_code == 302
    assert list(WorkingHours.objects.filter(resource=resource).order_by("start_time")
                .values_list("start_time", "end_time")) == [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(17))]
    response = client.post(url(world, "web:service_new"), {
        "name": "Hieronta", "duration_minutes": "60", "buffer_before_minutes": "0", "buffer_after_minutes": "10",
        "price": "65.00", "currency": "EUR", "vat_rate": "25.50", "online_bookable": "on", "min_notice_minutes": "60",
        "max_advance_days": "90", "cancellation_hours": "24", "granularity_minutes": "15", "start_alignment": "clock",
        "staff": [resource.pk], "is_active": "on"})
    assert response.status_code == 302
    assert list(Service.objects.get(name="Hieronta").staff.all()) == [resource]
    assert Service.objects.get(name="Hieronta").start_alignment == "clock"


def test_weekly_hours_may_end_at_midnight_or_the_next_morning(world, client_for):
    client = client_for(world.owner)
    client.post(url(world, "web:staff_bookable", membership_id=world.practitioner.pk))
    resource = Resource.objects.get(membership=world.practitioner)
    form = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
            "form-0-weekday": "4", "form-0-start_time": "16:00", "form-0-end_time": "00:00",
            "form-1-weekday": "5", "form-1-start_time": "22:00", "form-1-end_time": "06:00",
            "form-2-weekday": "6", "form-2-start_time": "00:00", "form-2-end_time": "00:00"}
    assert client.post(url(world, "web:staff_hours", resource_id=resource.pk), form).status_code == 302
    assert list(WorkingHours.objects.filter(resource=resource).order_by("weekday")
                .values_list("start_time", "end_time")) == [(dt.time(16), dt.time(0)), (dt.time(22), dt.time(6)),
                                                            (dt.time(0), dt.time(0))]
    page = client.get(url(world, "web:staff_hours", resource_id=resource.pk)).content.decode()
    assert 'value="00:00"' in page and 'value="06:00"' in page


def test_weekly_hours_that_end_when_they_start_are_refused_with_a_reason(world, client_for):
    client = client_for(world.owner)
    client.cookies["django_language"] = "en"  # the salon's default is Finnish, which has the reason translated
    client.post(url(world, "web:staff_bookable", membership_id=world.practitioner.pk))
    resource = Resource.objects.get(membership=world.practitioner)
    form = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
            "form-0-weekday": "0", "form-0-start_time": "09:00", "form-0-end_time": "09:00"}
    response = client.post(url(world, "web:staff_hours", resource_id=resource.pk), form)
    assert response.status_code == 200 and "The end must differ from the start" in response.content.decode()
    assert not WorkingHours.objects.filter(resource=resource).exists()


def test_the_database_refuses_hours_that_end_when_they_start_but_not_a_whole_day(world):
    from django.db import IntegrityError, transaction

    from tilli.test import make_bookable

    location, resource, _ = make_bookable(world.org, world.practitioner, weekdays=())
    row = {"organization": world.org, "resource": resource, "location": location, "weekday": 0}
    WorkingHours.objects.create(**row, start_time=dt.time(0), end_time=dt.time(0))
    WorkingHours.objects.create(**row, start_time=dt.time(22), end_time=dt.time(6))
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingHours.objects.create(**row, start_time=dt.time(9), end_time=dt.time(9))


def test_only_the_owner_manages_services(world, client_for):
    for member in (world.practitioner, world.reception, world.accountant):
        assert client_for(member).get(url(world, "web:services")).status_code == 404


def test_time_off_is_entered_in_local_time_and_closes_those_hours(world, client_for):
    from zoneinfo import ZoneInfo

    from booking.models import HoursException
    from booking.selectors import free_slots
    from tilli.test import make_bookable

    _, resource, service = make_bookable(world.org, world.practitioner)
    monday = dt.date(2026, 12, 7)
    response = client_for(world.owner).post(url(world, "web:staff_hours", resource_id=resource.pk), {
        "form": "exception", "kind": "time_off", "start": "2026-12-07T09:00", "end": "2026-12-07T13:00"})
    assert response.status_code == 302
    off = HoursException.objects.get(resource=resource)
    assert off.start == dt.datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("Europe/Helsinki"))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    first = free_slots(service, monday, monday, now=now)[0].start.astimezone(ZoneInfo("Europe/Helsinki"))
    assert first.hour == 13


def test_the_owner_opens_a_public_holiday_and_adds_a_room(world, client_for):
    from booking.models import HolidayOpening, ResourceKind

    client = client_for(world.owner)
    page = client.get(url(world, "web:services"))
    holidays = page.context["holidays"]
    assert holidays
    day = holidays[0][0]
    client.post(url(world, "web:services"), {"form": "holiday", "date": day.isoformat()})
    assert HolidayOpening.objects.filter(organization=world.org, date=day).exists()
    client.post(url(world, "web:services"), {"form": "holiday", "date": day.isoformat()})
    assert not HolidayOpening.objects.filter(organization=world.org, date=day).exists()
    client.post(url(world, "web:services"), {"form": "room", "kind": "room", "name": "Hoitohuone 2"})
    assert Resource.objects.filter(organization=world.org, kind=ResourceKind.ROOM, name="Hoitohuone 2").exists()


def test_saving_the_hours_page_as_shown_ignores_the_empty_extra_rows(world, client_for):
    from tilli.test import make_bookable

    _, resource, _ = make_bookable(world.org, world.practitioner, weekdays=[0])
    client = client_for(world.owner)
    page = client.get(url(world, "web:staff_hours", resource_id=resource.pk))
    formset = page.context["formset"]
    data = {"form-TOTAL_FORMS": str(len(formset.forms)), "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000"}
    for i, form in enumerate(formset.forms):
        for name in form.fields:
            value = form[name].value()  # what the browser would send back unchanged
            data[f"form-{i}-{name}"] = "" if value is None or value is False else value
    response = client.post(url(world, "web:staff_hours", resource_id=resource.pk), data)
    assert response.status_code == 302, response.context["formset"].errors
    assert WorkingHours.objects.filter(resource=resource).count() == 1
