"""The client page's privacy section: restriction, objection, erasure via its dry-run page,
and what a restricted client's page and edit form allow."""

from __future__ import annotations

from clients.models import Client
from clients.services import client_restrict
from kernel.models import AuditAction, AuditEvent
from privacy.models import ErasureRecord
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, reauthenticate, url


def test_only_the_owner_sees_the_privacy_section(world, client_for):
    anna = make_client(world.org)
    detail = url(world, "web:client_detail", client_id=anna.pk)
    assert 'id="privacy"' in client_for(world.owner).get(detail).content.decode()
    for role in ("reception", "practitioner", "accountant"):
        assert 'id="privacy"' not in client_for(world.member(role)).get(detail).content.decode()
    for name in ("web:client_restrict", "web:client_object", "web:client_export_start", "web:client_erase"):
        assert client_for(world.reception).post(url(world, name, client_id=anna.pk)).status_code == 404


def test_restricting_shows_a_banner_hides_editing_and_lifting_restores_it(world, client_for):
    anna = make_client(world.org)
    owner = english(client_for(world.owner))
    detail = url(world, "web:client_detail", client_id=anna.pk)
    response = owner.post(url(world, "web:client_restrict", client_id=anna.pk), {"restrict-reason": ""})
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.restricted_at is None
    owner.post(url(world, "web:client_restrict", client_id=anna.pk), {"restrict-reason": "Contests the address"})
    html = owner.get(detail).content.decode()
    assert "Processing is restricted." in html and "Contests the address" in html
    assert url(world, "web:client_edit", client_id=anna.pk) not in html and "Add a visit" not in html
    owner.post(url(world, "web:client_lift_restriction", client_id=anna.pk))
    html = owner.get(detail).content.decode()
    assert "Processing is restricted." not in html and url(world, "web:client_edit", client_id=anna.pk) in html


def test_a_restricted_client_cannot_be_edited_and_the_form_says_why(world, client_for):
    anna = make_client(world.org)
    client_restrict(client=anna, actor=SYSTEM, reason="Contests the data")
    reception = english(client_for(world.reception))
    edit = url(world, "web:client_edit", client_id=anna.pk)
    response = reception.get(edit)
    assert response.status_code == 200 and "This client&#x27;s data is restricted" in response.content.decode()
    response = reception.post(edit, {"first_name": "Changed", "last_name": "Virtanen"})
    assert response.status_code == 200 and "This client&#x27;s data is restricted" in response.content.decode()
    assert 'value="Changed"' in response.content.decode()
    anna.refresh_from_db()
    assert anna.first_name == "Anna"
    response = reception.post(url(world, "web:client_visit_new", client_id=anna.pk),
                              {"visited_at": "2025-01-02T10:00", "practitioner": world.practitioner.pk})
    assert response.status_code == 302


def test_objection_is_recorded_from_the_client_page(world, client_for):
    anna = make_client(world.org)
    english(client_for(world.owner)).post(url(world, "web:client_object", client_id=anna.pk))
    anna.refresh_from_db()
    assert anna.marketing_objection_at is not None


def test_erasure_page_shows_the_dry_run_then_erases_after_reauthentication(world, client_for):
    from tilli.test import make_full_client

    full = make_full_client(world.org, world.practitioner)
    anna = full.client
    owner = english(client_for(world.owner))
    erase = url(world, "web:client_erase", client_id=anna.pk)
    response = owner.get(erase)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/?next=")
    assert owner.post(erase).status_code == 302 and ErasureRecord.objects.count() == 0
    reauthenticate(owner)
    html = owner.get(erase).content.decode()
    assert "Nothing has been erased yet" in html
    assert "Deleted" in html and "Anonymised" in html and "Kept, restricted" in html
    assert "Finnish Accounting Act" in html  # the receipt's legal ground and until-date
    assert Client.objects.for_organization(world.org).filter(pk=anna.pk).exists()
    response = owner.post(erase)
    assert response.status_code == 302 and response["Location"] == url(world, "web:client_list")
    assert owner.get(url(world, "web:client_detail", client_id=anna.pk)).status_code == 404
    assert owner.get(erase).status_code == 404
    assert AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.DELETE,
                                                                 subject_ref=anna.subject_ref).exists()


def test_reception_cannot_reach_the_erasure_page(world, client_for):
    anna = make_client(world.org)
    assert client_for(world.reception).get(url(world, "web:client_erase", client_id=anna.pk)).status_code == 404
