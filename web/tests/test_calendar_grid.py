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


def test_the_accountant_gets_404(world, client_for, setup):
    assert client_for(world.accountant).get(url(world, "web:calendar")).status_code == 404
