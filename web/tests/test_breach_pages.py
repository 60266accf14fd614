"""The breach register's pages: owner only (404 for every other role and organization), the clock on the
list, the page and the dashboard, the authority draft, selection from the access log, the decision and
the notices with their preview."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from kernel.audit import Actor, record
from kernel.models import AuditAction, AuditEvent
from notify.models import Message, MessagePurpose
from privacy.breaches import breach_decide_clients, breach_record, breach_subject_add
from privacy.models import Breach, BreachRisk, ClientDecision
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url


def _breach(world, hours_ago: float = 1, organization=None, **fields) -> Breach:
    fields.setdefault("title", "Staff laptop stolen")
    fields.setdefault("nature", "A laptop with the panel open was stolen from a car.")
    return breach_record(organization=organization or world.org, actor=SYSTEM,
                         noticed_at=timezone.now() - dt.timedelta(hours=hours_ago), **fields)


def _post(member, world, breach, action, **data):
    return member.post(url(world, "web:breach_detail", breach_id=breach.pk), {"action": action, **data})


@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant"])
def test_only_the_owner_sees_the_breach_register(world, client_for, role):
    breach = _breach(world)
    member = client_for(world.member(role))
    for name, kwargs in (("web:breaches", {}), ("web:breach_new", {}), ("web:breach_detail", {"breach_id": breach.pk}),
                         ("web:breach_edit", {"breach_id": breach.pk})):
        assert member.get(url(world, name, **kwargs)).status_code == 404
    assert _post(member, world, breach, "close").status_code == 404
    dashboard = member.get(url(world, "web:dashboard")).content.decode()
    assert "Staff laptop stolen" not in dashboard and "/breaches/" not in dashboard


def test_another_organizations_breach_is_404(world, client_for):
    theirs = _breach(world, organization=world.other_org, title="Wisła server")
    owner = client_for(world.owner)
    assert owner.get(url(world, "web:breach_detail", breach_id=theirs.pk)).status_code == 404
    assert _post(owner, world, theirs, "close").status_code == 404
    assert "Wisła server" not in owner.get(url(world, "web:breaches")).content.decode()


def test_owner_records_a_breach_and_a_future_notice_time_is_refused_with_the_input_kept(world, client_for):
    owner = english(client_for(world.owner))
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Lost USB stick", "noticed_at": future, "nature": "A USB stick with a client list was lost.",
            "data_categories": ["identity", "contact"], "approx_subjects": "30", "approx_records": "30",
            "risk": "risk"}
    response = owner.post(url(world, "web:breach_new"), form)
    html = response.content.decode()
    assert response.status_code == 200 and "cannot have been noticed in the future" in html
    assert "A USB stick with a client list was lost." in html
    form["noticed_at"] = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = owner.post(url(world, "web:breach_new"), form)
    breach = Breach.objects.for_organization(world.org).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/breaches/{breach.pk}/")
    assert breach.data_categories == ["identity", "contact"] and breach.recorded_by_user_id == world.owner.user_id
    response = owner.post(url(world, "web:breach_edit", breach_id=breach.pk),
                          {**form, "measures": "The stick's files were encrypted."})
    breach.refresh_from_db()
    assert response.status_code == 302 and breach.measures == "The stick's files were encrypted."


def test_the_clock_shows_time_left_and_turns_red_under_12_hours_then_late(world, client_for):
    owner = english(client_for(world.owner))
    calm = _breach(world, hours_ago=10, title="Calm breach")
    page = owner.get(url(world, "web:breach_detail", breach_id=calm.pk)).content.decode()
    assert "61 h" in page and "alert-card" not in page
    urgent = _breach(world, hours_ago=70, title="Urgent breach")
    page = owner.get(url(world, "web:breach_detail", breach_id=urgent.pk)).content.decode()
    assert "1 h 59 min left" in page or "2 h 0 min left" in page
    assert "alert-card" in page
    late = _breach(world, hours_ago=75, title="Late breach")
    page = owner.get(url(world, "web:breach_detail", breach_id=late.pk)).content.decode()
    assert "Late by 3 h" in page and "give the reasons for the delay" in page
    dashboard = owner.get(url(world, "web:dashboard")).content.decode()
    assert "Personal data breaches" in dashboard and "Late by 3 h" in dashboard and "alert-card" in dashboard
    assert all(title in dashboard for title in ("Calm breach", "Urgent breach", "Late breach"))
    listing = owner.get(url(world, "web:breaches")).content.decode()
    assert "Late by 3 h" in listing and "61 h" in listing


def test_the_dashboard_card_is_calm_when_every_deadline_is_far(world, client_for):
    _breach(world, hours_ago=1, title="Fresh breach")
    dashboard = english(client_for(world.owner)).get(url(world, "web:dashboard")).content.decode()
    card = dashboard[dashboard.index('aria-labelledby="breaches-heading"') - 40:]
    assert "Fresh breach" in card and "alert-card" not in card[:60]


def test_a_late_notification_needs_reasons_on_the_page(world, client_for):
    breach = _breach(world, hours_ago=80)
    owner = english(client_for(world.owner))
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = _post(owner, world, breach, "authority", **{"authority-at": at, "authority-reference": "TSV/9"})
    html = response.content.decode()
    assert response.status_code == 200 and "give the reasons for the delay (Art. 33(1))" in html and "TSV/9" in html
    response = _post(owner, world, breach, "authority", **{"authority-at": at, "authority-reference": "TSV/9",
                                                            "authority-late_reason": "We learnt of it from a client"})
    breach.refresh_from_db()
    assert response.status_code == 302 and breach.late_reason == "We learnt of it from a client"


def test_the_page_shows_the_authority_draft_in_the_organizations_language(world, client_for):
    world.org.privacy_contact_email = "tietosuoja@aurora.test"
    world.org.save()
    breach = _breach(world, approx_subjects=12, approx_records=40, data_categories=["special"])
    owner = english(client_for(world.owner))
    html = owner.get(url(world, "web:breach_detail", breach_id=breach.pk)).content.decode()
    assert 'id="authority-draft"' in html and "readonly" in html
    assert '<option value="fi" selected>' in html  # the organization's language by default
    for part in ("Tietosuojavaltuutetun toimisto", "tietosuoja@aurora.test", "12", "40"):
        assert part in html
    polish = _breach(world, organization=world.other_org)
    page = client_for(world.outsider).get(f"/o/{world.other_org.slug}/breaches/{polish.pk}/?draft_language=en")
    assert "Urzędu Ochrony Danych Osobowych" in page.content.decode()


def test_selection_from_the_access_log_lists_the_clients_a_staff_member_viewed(world, client_for):
    start = timezone.now() - dt.timedelta(hours=5)
    seen = make_client(world.org, first_name="Seija", last_name="Selected", email="seija@example.test")
    unseen = make_client(world.org, first_name="Ulla", last_name="Unseen")
    actor = Actor(kind="user", user_id=world.practitioner.user_id, role="practitioner")
    with mock.patch("django.utils.timezone.now", return_value=start + dt.timedelta(hours=1)):
        record(organization=world.org, actor=actor, action=AuditAction.VIEW, obj=seen, subject_ref=seen.subject_ref)
    record(organization=world.org, actor=Actor(kind="user", user_id=world.reception.user_id), action=AuditAction.VIEW,
           obj=unseen, subject_ref=unseen.subject_ref)
    breach = _breach(world)
    owner = english(client_for(world.owner))
    page = owner.get(url(world, "web:breach_detail", breach_id=breach.pk)).content.decode()
    assert f'<option value="{world.practitioner.user_id}">' in page  # the organization's members to choose from
    fmt = "%Y-%m-%dT%H:%M"
    response = _post(owner, world, breach, "select", **{
        "select-user": str(world.practitioner.user_id), "select-start": timezone.localtime(start).strftime(fmt),
        "select-end": timezone.localtime().strftime(fmt), "select-action_filter": "view"})
    assert response.status_code == 302
    page = owner.get(url(world, "web:breach_detail", breach_id=breach.pk)).content.decode()
    assert "Seija Selected" in page and "Unseen" not in page
    assert "Selected" not in response["Location"]
    # Showing the names is an audited read of each listed client.
    assert AuditEvent.objects.for_organization(world.org).filter(
        object_type="privacy.breachsubject", subject_ref=seen.subject_ref, actor_user_id=world.owner.user_id).exists()
    # An empty window comes back on its form.
    response = _post(owner, world, breach, "select", **{"select-start": timezone.localtime().strftime(fmt),
                                                         "select-end": timezone.localtime(start).strftime(fmt)})
    assert "must be after its start" in response.content.decode()


def test_adding_and_removing_a_client_by_hand(world, client_for):
    anna = make_client(world.org, first_name="Anna", last_name="Handpicked")
    breach = _breach(world)
    owner = english(client_for(world.owner))
    response = _post(owner, world, breach, "search", q="Handpicked")
    assert f'value="{anna.pk}"' in response.content.decode()
    assert _post(owner, world, breach, "add", **{"add-client": str(anna.pk)}).status_code == 302
    subject = breach.subjects.get()
    foreign = make_client(world.other_org)
    response = _post(owner, world, breach, "add", **{"add-client": str(foreign.pk)})
    assert response.status_code == 200 and breach.subjects.count() == 1
    assert _post(owner, world, breach, "remove", **{"remove-subject": str(subject.pk)}).status_code == 302
    assert not breach.subjects.exists()


def test_high_risk_not_telling_needs_a_ground_on_the_page(world, client_for):
    breach = _breach(world, risk=BreachRisk.HIGH)
    owner = english(client_for(world.owner))
    response = _post(owner, world, breach, "decide", **{"decide-decision": "not_needed", "decide-reason": "x"})
    assert "name the ground of Art. 34(3)" in response.content.decode()
    response = _post(owner, world, breach, "decide", **{"decide-decision": "not_needed", "decide-ground": "a",
                                                         "decide-reason": "Encrypted disk"})
    breach.refresh_from_db()
    assert response.status_code == 302 and breach.client_decision == ClientDecision.NOT_NEEDED


def test_notices_are_previewed_then_queued_and_the_clients_without_email_listed(world, client_for):
    breach = _breach(world, risk=BreachRisk.HIGH, consequences="Phishing is possible.")
    emma = make_client(world.org, first_name="Emma", last_name="Mailable", email="emma@example.test",
                       preferred_language="en")
    paavo = make_client(world.org, first_name="Paavo", last_name="Postal", phone="0401234567")
    for client in (emma, paavo):
        breach_subject_add(breach=breach, client=client, actor=SYSTEM)
    breach_decide_clients(breach=breach, decision=ClientDecision.INFORM, reason="", actor=SYSTEM)
    owner = english(client_for(world.owner))
    response = _post(owner, world, breach, "preview", **{"notice-message_text": "Someone took our laptop."})
    html = response.content.decode()
    assert "Someone took our laptop." in html and "Phishing is possible." in html and "Paavo Postal" in html
    assert not Message.objects.filter(purpose=MessagePurpose.BREACH).exists()
    response = _post(owner, world, breach, "notice", **{"notice-message_text": "Someone took our laptop."})
    assert response.status_code == 302
    message = Message.objects.get(purpose=MessagePurpose.BREACH)
    assert message.recipient == "emma@example.test" and "Someone took our laptop." in message.body
    page = owner.get(url(world, "web:breach_detail", breach_id=breach.pk)).content.decode()
    assert "1 client has no email address" in page and "1 client told." in page
