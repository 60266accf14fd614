"""The resource calendar page: a shell for the API's data that opens where the old URLs pointed."""

import json

import pytest

from web.tests.test_calendar import DAY, english, local, url


@pytest.fixture
def setup(world):
    from tilli.test import make_bookable

    return make_bookable(world.org, world.practitioner, duration=60)


def config(response) -> dict:
    html = response.content.decode()
    start = html.index('id="calendar-config"')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])


def test_the_page_opens_on_the_day_staff_and_view_the_old_urls_named(world, client_for, setup):
    location, resource, _ = setup
    response = english(client_for(world.reception)).get(url(world, "web:calendar"),
                                                        {"day": DAY.isoformat(), "staff": resource.pk, "view": "week"})
    assert response.status_code == 200
    cfg = config(response)
    assert (cfg["date"], cfg["staff"], cfg["view"], cfg["location"]) == (DAY.isoformat(), resource.pk, "week",
                                                                         location.pk)
    assert cfg["organization"] == world.org.slug and cfg["canBook"] is True
    assert cfg["slotMinTime"] == "08:00:00" and cfg["slotMaxTime"] == "18:00:00"  # the hours 9-17, an hour around
    assert b"vendor/event-calendar/event-calendar.min.js" in response.content


def test_the_texts_the_page_announces_are_in_the_members_language(world, client_for, setup):
    response = client_for(world.reception).get(url(world, "web:calendar"))  # the organization's language: Finnish
    assert config(response)["text"]["moved"] != "Appointment moved."


def test_a_click_on_an_empty_time_prefills_the_booking(world, client_for, setup):
    _, resource, _ = setup
    response = english(client_for(world.reception)).get(
        url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(), "at": f"{DAY}T10:30:00"})
    assert response.context["chosen_start"] == local(DAY, 10, 30).isoformat()
    assert f'value="{local(DAY, 10, 30).isoformat()}" checked'.encode() in response.content


def test_the_book_at_form_prefills_the_day_and_time_it_names(world, client_for, setup):
    """The calendar's "book at" form (keyboard and screen-reader users' way to an empty time) sends day and time."""
    _, resource, _ = setup
    page = english(client_for(world.reception)).get(url(world, "web:calendar"), {"day": DAY.isoformat()})
    assert b'id="cal-book-at"' in page.content and b'name="time"' in page.content
    response = english(client_for(world.reception)).get(
        url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(), "time": "14:15"})
    assert response.context["chosen_start"] == local(DAY, 14, 15).isoformat()
    assert f'value="{local(DAY, 14, 15).isoformat()}" checked'.encode() in response.content
    wrong = english(client_for(world.reception)).get(
        url(world, "web:calendar_new"), {"staff": resource.pk, "day": DAY.isoformat(), "time": "25:99"})
    assert wrong.status_code == 200 and wrong.context["chosen_start"] == ""


def test_the_accountant_gets_404(world, client_for, setup):
    assert client_for(world.accountant).get(url(world, "web:calendar")).status_code == 404


def test_the_appointment_panel_has_price_history_next_visit_and_contact(world, client_for, setup):
    from booking.models import AppointmentState, AppointmentTransition
    from booking.services import appointment_book
    from kernel.audit import Actor
    from tilli.test import make_client

    _, resource, service = setup
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen", phone="+358401234567",
                       email="anna@example.test")
    appointment = appointment_book(service=service, start=local(DAY, 10), client=anna, channel="phone",
                                   actor=Actor.system("t"), staff=resource)
    browser = english(client_for(world.reception))
    page = url(world, "web:calendar_appointment", appointment_id=appointment.pk)
    html = browser.get(page).content.decode()
    assert "Book the next visit" in html and f"client={anna.pk}" in html and f"service={service.pk}" in html
    assert 'href="tel:+358401234567"' in html and 'href="mailto:anna@example.test"' in html
    assert "Mark arrived" in html and "Reason (kept for staff" in html
    state = url(world, "web:calendar_state", appointment_id=appointment.pk)
    browser.post(state, {"state": "arrived"})
    browser.post(state, {"state": "cancelled", "reason": "Felt unwell"})
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    assert AppointmentTransition.objects.get(appointment=appointment, to_state="cancelled").reason == "Felt unwell"
    html = browser.get(page).content.decode()
    assert "Arrived" in html and "Felt unwell" in html and str(world.reception.user) in html


def test_a_new_client_is_created_in_place_with_the_booking_or_not_at_all(world, client_for, setup):
    from booking.models import Appointment
    from clients.models import Client as Customer

    _, resource, service = setup
    browser = english(client_for(world.reception))
    form = {"staff": resource.pk, "service": service.pk, "day": DAY.isoformat(), "channel": "phone",
            "start": local(DAY, 10).isoformat(), "client": "new", "new_first_name": "Veera",
            "new_last_name": "Uusi", "new_phone": "0401112222", "new_email": ""}
    bad = browser.post(url(world, "web:calendar_new"), {**form, "new_email": "not-an-email"})
    assert bad.status_code == 409 and not Customer.objects.filter(first_name="Veera").exists()
    assert b'value="Veera"' in bad.content  # nothing typed is lost
    assert browser.post(url(world, "web:calendar_new"), form).status_code == 302
    booked = Appointment.objects.get(start=local(DAY, 10))
    assert booked.client.first_name == "Veera" and booked.client.last_name == "Uusi"
    taken = browser.post(url(world, "web:calendar_new"), {**form, "new_first_name": "Toinen"})
    assert taken.status_code == 409 and not Customer.objects.filter(first_name="Toinen").exists()
