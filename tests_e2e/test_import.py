"""Switching in, in Finnish: upload another system's export, map its columns, preview, choose what to do with
a likely duplicate, import; then the same for future appointments. Screenshots at phone and desktop widths."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from clients.models import Client, ImportMapping
from tests_e2e.conftest import serious_axe_violations, shoot, sign_in
from tilli.test import make_bookable, make_client

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).parents[1] / "clients" / "tests" / "fixtures"


def test_the_owner_maps_previews_and_imports_clients_and_appointments(page: Page, live_server, e2e_world,
                                                                     csp_violations):
    world = e2e_world
    aino = make_client(world.org, first_name="Aino", last_name="Mäkelä", phone="0401112233")
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
    base = f"{live_server.url}/o/{world.org.slug}"

    page.goto(f"{base}/clients/import/")
    expect(page.get_by_role("heading", name="Tuo asiakkaita")).to_be_visible()
    page.locator("#id_file").set_input_files(str(FIXTURES / "timma_utf8_bom_semicolon.csv"))
    page.get_by_role("button", name="Lataa ja valitse sarakkeet").click()
    expect(page.get_by_role("heading", name="Sarakkeet ja esikatselu")).to_be_visible()
    # Suggested from the Finnish column names; the notes column stays out.
    expect(page.locator("#id_col_2")).to_have_value("phone")
    expect(page.locator("#id_col_5")).to_have_value("")
    expect(page.locator("#import-would-create")).to_have_text("2")
    assert shoot(page, "70-import-columns") == []

    # Leave the birthday out too, and save the mapping under a name.
    page.locator("#id_col_4").select_option("")
    page.locator("#id_mapping_name").fill("Timma")
    page.get_by_role("button", name="Tallenna sarakevastaavuus ja näytä esikatselu").click()
    expect(page.get_by_text("Sarakevastaavuus tallennettiin.")).to_be_visible()
    expect(page.locator("#id_col_4")).to_have_value("")
    assert ImportMapping.objects.for_organization(world.org).get().name == "Timma"
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("+358401112233")
    expect(preview).not_to_contain_text("Allergia")  # the notes column is not imported
    duplicates = page.locator("#import-duplicates")
    expect(duplicates).to_contain_text("sama nimi, sama puhelinnumero")
    expect(duplicates.get_by_label("Ohita")).to_be_checked()
    duplicates.get_by_label("Täytä olemassa olevan asiakkaan tyhjät kentät").check()
    assert shoot(page, "71-import-preview") == []
    assert serious_axe_violations(page) == []

    page.locator("#import-submit").click()
    expect(page.locator(".message").first).to_contain_text("2 asiakasta tuotiin")
    expect(page.locator(".message").first).to_contain_text("täydennettiin")
    aino.refresh_from_db()
    assert aino.email == "aino.makela@example.test"  # filled in, not created twice
    assert Client.objects.for_organization(world.org).count() == 3
    assert shoot(page, "72-import-clients-done") == []

    # Future appointments: the service and the staff member by their names in Tilli.
    _location, sari, service = make_bookable(world.org, world.practitioner, duration=60)
    Client.objects.filter(pk=aino.pk).update(email="aino.makela@example.test")
    service.name = "Hiustenleikkaus"
    service.save()
    sari.name = "Stylist Sari"
    sari.save()
    page.goto(f"{base}/appointments/import/")
    page.locator("#id_file").set_input_files(str(FIXTURES / "appointments_utf8_comma.csv"))
    page.get_by_role("button", name="Lataa ja valitse sarakkeet").click()
    expect(page.locator("#import-would-book")).to_have_text("3")
    expect(page.locator("#import-errors")).to_contain_text("vain tulevat ajanvaraukset tuodaan")
    assert shoot(page, "73-import-appointments-preview") == []
    page.locator("#import-submit").click()
    expect(page.get_by_role("heading", name="Ajanvaraukset tuotu")).to_be_visible()
    expect(page.locator("#import-booked")).to_have_text("2")
    expect(page.locator("#import-errors")).to_contain_text("Aika ei ole vapaana")
    assert Appointment.objects.filter(organization=world.org).count() == 2
    assert shoot(page, "74-import-appointments-done") == []
    assert csp_violations == []
