"""The owner's services, hours and calendar-feed pages at phone and desktop widths."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import shoot, sign_in
from tilli.test import make_bookable

pytestmark = pytest.mark.e2e


def test_the_owner_sets_up_services_hours_and_a_feed(page: Page, live_server, e2e_world, english, csp_violations):
    world = e2e_world
    _, resource, _ = make_bookable(world.org, world.owner)
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
    base = f"{live_server.url}/o/{world.org.slug}"
    page.goto(f"{base}/services/")
    expect(page.get_by_role("heading", name="Services and hours")).to_be_visible()
    assert shoot(page, "60-services") == []
    page.goto(f"{base}/services/hours/{resource.pk}/")
    page.get_by_label("Kind").select_option("time_off")
    page.locator("#id_start").fill("2030-06-10T09:00")
    page.locator("#id_end").fill("2030-06-10T12:00")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert shoot(page, "61-working-hours") == []
    page.goto(f"{base}/calendar/feed/")
    page.get_by_role("button", name="Make an address").click()
    expect(page.locator("code.secret")).to_contain_text("/feeds/")
    expect(page.get_by_label("The service and the first letter of the client's first name")).to_be_checked()
    page.get_by_label("The service only").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("The service only")).to_be_checked()
    resource.refresh_from_db()
    assert resource.feed_detail == "service"
    assert shoot(page, "62-calendar-feed") == []
    assert csp_violations == []


def test_weekly_hours_show_and_save_in_finnish(page: Page, live_server, e2e_world, csp_violations):
    """Time inputs get ISO values whatever the language: in Finnish they used to show empty and fail to save."""
    world = e2e_world
    _, resource, _ = make_bookable(world.org, world.owner)
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
    page.goto(f"{live_server.url}/o/{world.org.slug}/services/hours/{resource.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("#id_form-0-start_time")).to_have_value("09:00")
    expect(page.locator("#id_form-0-end_time")).to_have_value("17:00")
    page.locator("#id_form-0-end_time").fill("18:30")
    page.locator("form:has(#id_form-0-end_time) button[type=submit]").click()
    expect(page.locator("#id_form-0-end_time")).to_have_value("18:30")
    expect(page.locator("#id_form-1-start_time")).to_have_value("09:00")
    assert page.locator(".errors, .has-error").count() == 0
    assert sorted(resource.working_hours.values_list("end_time", flat=True).distinct()) == [
        dt.time(17), dt.time(18, 30)]
    assert csp_violations == []
