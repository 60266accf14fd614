"""The new-client form warns about a person already in the register and offers them; a possible duplicate's
page offers the owner a merge; only the owner merges."""

from __future__ import annotations

from clients.models import Client
from tilli.test import make_client
from web.tests.privacy_helpers import english, url

FORM = {"kind": "person", "first_name": "Anna", "last_name": "Virtanen", "phone": "040 123 4567",
        "email": "anna.new@example.test"}


def test_a_new_client_like_an_existing_one_is_warned_about_and_nothing_typed_is_lost(world, client_for):
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen", phone="0401234567")
    reception = english(client_for(world.reception))
    response = reception.post(url(world, "web:client_new"), FORM)
    html = response.content.decode()
    assert response.status_code == 409 and "already in the register" in html
    assert url(world, "web:client_detail", client_id=anna.pk) in html and "anna.new@example.test" in html
    assert Client.objects.filter(organization=world.org).count() == 1

    response = reception.post(url(world, "web:client_new"), {**FORM, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert Client.objects.filter(organization=world.org).count() == 2


def test_the_owner_merges_a_possible_duplicate_from_its_page_and_reception_cannot(world, client_for):
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen", phone="0401234567")
    again = make_client(world.org, first_name="Anna", last_name="Virtanen", phone="0401234567",
                        email="anna.new@example.test")
    merge_url = url(world, "web:client_merge", client_id=anna.pk)

    reception = english(client_for(world.reception))
    page = reception.get(url(world, "web:client_detail", client_id=again.pk)).content.decode()
    assert "possible-duplicate" in page and merge_url not in page
    assert reception.post(merge_url, {"duplicate": again.pk}).status_code == 404
    assert Client.objects.filter(pk=again.pk).exists()

    owner = english(client_for(world.owner))
    page = owner.get(url(world, "web:client_detail", client_id=again.pk)).content.decode()
    assert merge_url in page
    response = owner.post(merge_url, {"duplicate": again.pk})
    assert response.status_code == 302 and not Client.objects.filter(pk=again.pk).exists()
    anna.refresh_from_db()
    assert anna.email == "anna.new@example.test"
