"""The breach register (S7): the 72-hour clock from awareness, reasons once late, the Art. 33(3) draft,
who is affected found from the audit log, the Art. 34 decision, and notices to clients through the outbox."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kernel.audit import Actor, record
from kernel.models import AuditAction, AuditEvent
from notify.delivery import deliver
from notify.models import Message, MessagePurpose, MessageStatus
from privacy.breaches import (
    NoNoticeGround,
    authority_draft,
    breach_close,
    breach_decide_clients,
    breach_notify_authority,
    breach_notify_clients,
    breach_record,
    breach_subject_add,
    breach_subject_remove,
    breach_update,
    deadline,
    is_late,
    is_urgent,
    select_subjects_from_audit,
    time_left,
)
from privacy.models import BreachRisk, BreachSubject, ClientDecision
from tilli.test import make_client

SYSTEM = Actor.system("test")
T0 = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


def _breach(organization, *, noticed_at=T0, now=None, **fields):
    fields.setdefault("title", "Laptop stolen from the car")
    fields.setdefault("nature", "A staff laptop with the panel signed in was stolen.")
    return breach_record(organization=organization, actor=SYSTEM, noticed_at=noticed_at,
                         now=now or noticed_at + dt.timedelta(minutes=1), **fields)


def _owner(world) -> Actor:
    return Actor(kind="user", user_id=world.owner.user_id, role="owner")


# --- the clock --------------------------------------------------------------------------------------

def test_the_deadline_is_72_hours_from_becoming_aware_not_from_the_breach_itself(world):
    breach = _breach(world.org, occurred_at=T0 - dt.timedelta(days=10))
    assert deadline(breach) == T0 + dt.timedelta(hours=72)
    assert time_left(breach, T0 + dt.timedelta(hours=70)) == dt.timedelta(hours=2)
    assert not is_late(breach, T0 + dt.timedelta(hours=72))
    assert is_late(breach, T0 + dt.timedelta(hours=72, seconds=1))
    assert time_left(breach, T0 + dt.timedelta(hours=75)) == -dt.timedelta(hours=3)


def test_the_clock_is_urgent_under_12_hours_and_stops_once_notified(world):
    breach = _breach(world.org)
    assert not is_urgent(breach, T0 + dt.timedelta(hours=59))
    assert is_urgent(breach, T0 + dt.timedelta(hours=61))
    breach_notify_authority(breach=breach, actor=SYSTEM, at=T0 + dt.timedelta(hours=61), reference="TSV/1",
                            now=T0 + dt.timedelta(hours=61))
    assert not is_urgent(breach, T0 + dt.timedelta(hours=100))
    assert not is_late(breach, T0 + dt.timedelta(hours=100))  # notified in time stays in time


def test_a_breach_cannot_be_noticed_in_the_future_or_happen_after_it_was_noticed(world):
    with pytest.raises(ValidationError) as error:
        _breach(world.org, noticed_at=T0 + dt.timedelta(hours=1), now=T0)
    assert "noticed_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _breach(world.org, occurred_at=T0 + dt.timedelta(minutes=1))
    assert "occurred_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _breach(world.org, data_categories=["identity", "shoe_size"])
    assert "data_categories" in error.value.message_dict


def test_recording_and_changing_a_breach_is_audited_with_field_names_only(world):
    breach = _breach(world.org, data_categories=["special", "identity"], approx_subjects=40)
    assert breach.data_categories == ["identity", "special"]  # in the registry's order
    changed = breach_update(breach=breach, actor=SYSTEM, measures="Panel sessions ended; password changed",
                            now=T0 + dt.timedelta(hours=1))
    assert changed == ["measures"]
    events = AuditEvent.objects.for_organization(world.org).filter(object_type="privacy.breach").order_by("seq")
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert events[1].changed_fields == ["measures"] and "password" not in str(events[1].detail)


def test_no_personal_data_is_needed_in_the_breachs_own_text(world):
    breach = _breach(world.org, title="Lost laptop", nature="A laptop was lost.", consequences="", measures="")
    assert breach.pk and breach.subjects.count() == 0


# --- notifying the authority --------------------------------------------------------------------------

def test_after_72_hours_the_authority_notice_needs_reasons_for_the_delay(world):
    breach = _breach(world.org)
    late = T0 + dt.timedelta(hours=80)
    with pytest.raises(ValidationError) as error:
        breach_notify_authority(breach=breach, actor=SYSTEM, at=late, now=late)
    assert "late_reason" in error.value.message_dict
    breach.refresh_from_db()
    assert breach.authority_notified_at is None
    breach_notify_authority(breach=breach, actor=SYSTEM, at=late, late_reason="The extent was unclear", now=late)
    breach.refresh_from_db()
    assert breach.authority_notified_at == late and breach.late_reason == "The extent was unclear"
    assert is_late(breach)


def test_within_72_hours_no_reason_is_needed(world):
    breach = _breach(world.org)
    at = T0 + dt.timedelta(hours=71, minutes=59)
    breach_notify_authority(breach=breach, actor=SYSTEM, at=at, now=at)
    breach.refresh_from_db()
    assert breach.authority_notified_at == at and not is_late(breach)


def test_an_unlikely_risk_needs_no_notification_and_the_decision_is_recorded_with_its_reasons(world):
    with pytest.raises(ValidationError) as error:
        _breach(world.org, risk=BreachRisk.UNLIKELY)
    assert "consequences" in error.value.message_dict
    breach = _breach(world.org, risk=BreachRisk.UNLIKELY, consequences="The file was encrypted; the key is safe.")
    assert not is_late(breach, T0 + dt.timedelta(days=30)) and not is_urgent(breach, T0 + dt.timedelta(days=30))
    with pytest.raises(ValidationError):
        breach_notify_authority(breach=breach, actor=SYSTEM, at=T0 + dt.timedelta(hours=1),
                                now=T0 + dt.timedelta(hours=1))
    event = AuditEvent.objects.for_organization(world.org).get(object_type="privacy.breach")
    assert event.detail == {"risk": "unlikely"}
    breach_close(breach=breach, actor=SYSTEM)
    assert breach.closed_at is not None


def test_a_breach_is_not_closed_before_the_authority_is_notified(world):
    breach = _breach(world.org)
    with pytest.raises(ValidationError):
        breach_close(breach=breach, actor=SYSTEM)


# --- the draft ------------------------------------------------------------------------------------------

def _complete(organization):
    organization.privacy_contact_name, organization.privacy_contact_email = "Tietosuojavastaava", "privacy@x.test"
    organization.privacy_contact_phone, organization.dpo_name = "+358 40 000 0000", "DPO Oy"
    organization.dpo_email = "dpo@x.test"
    organization.save()
    return _breach(organization, occurred_at=T0 - dt.timedelta(hours=5), data_categories=["identity", "contact"],
                   approx_subjects=120, approx_records=480, consequences="Phishing emails to clients are likely.",
                   measures="The account's sessions were ended and its password changed.")


@pytest.mark.parametrize("country", ["FI", "PL"])
def test_the_authority_draft_has_every_element_of_art_33_3(world, country):
    organization = world.org if country == "FI" else world.other_org
    breach = _complete(organization)
    text = authority_draft(breach, "en", now=T0 + dt.timedelta(hours=1))
    expected_authority = {"FI": ("Tietosuojavaltuutetun toimisto", "PL 800, 00531 Helsinki"),
                          "PL": ("Prezes Urzędu Ochrony Danych Osobowych", "ul. Stawki 2, 00-193 Warszawa")}[country]
    for part in (*expected_authority, organization.name, organization.business_id,
                 # (a) nature, categories, approximate numbers of people and records
                 "Laptop stolen from the car", "A staff laptop with the panel signed in was stolen.",
                 "Identity, Contact details", "People affected (approximately): 120",
                 "Records affected (approximately): 480",
                 # (b) contact point and DPO
                 "Tietosuojavastaava", "privacy@x.test", "+358 40 000 0000", "DPO Oy", "dpo@x.test",
                 # (c) consequences, (d) measures
                 "Phishing emails to clients are likely.", "The account's sessions were ended",
                 # time line
                 "The breach happened:", "We became aware of it:", "Notified to the authority:"):
        assert part in text, part
    assert "Reasons for notifying after 72 hours" not in text


def test_a_late_draft_asks_for_and_then_carries_the_reasons_for_the_delay(world):
    breach = _complete(world.org)
    assert "[to be given before sending]" in authority_draft(breach, "en", now=T0 + dt.timedelta(hours=73))
    late = T0 + dt.timedelta(hours=90)
    breach_notify_authority(breach=breach, actor=SYSTEM, at=late, reference="TSV/2025/17",
                            late_reason="The log had to be restored first", now=late)
    text = authority_draft(breach, "en")
    assert "The log had to be restored first" in text and "TSV/2025/17" in text


def test_the_draft_names_no_client(world):
    breach = _complete(world.org)
    anna = make_client(world.org, first_name="Annikki", last_name="Draftinen", email="annikki@example.test")
    breach_subject_add(breach=breach, client=anna, actor=SYSTEM)
    text = authority_draft(breach, "en")
    assert "Draftinen" not in text and "annikki@" not in text and "identified so far by name: 1" in text


# --- who is affected, from the audit log ----------------------------------------------------------------

def _viewed(world, membership, client, when, action=AuditAction.VIEW, organization=None):
    actor = Actor(kind="user", user_id=membership.user_id, role=membership.role)
    with mock.patch("django.utils.timezone.now", return_value=when):
        record(organization=organization or world.org, actor=actor, action=action, object_type="clients.client",
               object_id=str(client.pk), subject_ref=client.subject_ref)


def test_selection_picks_exactly_the_clients_an_account_viewed_in_the_window(world):
    start, end = T0 - dt.timedelta(hours=6), T0
    inside = [make_client(world.org, first_name=f"In{i}") for i in range(3)]
    before, after = make_client(world.org, first_name="Before"), make_client(world.org, first_name="After")
    by_other = make_client(world.org, first_name="OtherAccount")
    changed = make_client(world.org, first_name="Changed")
    foreign = make_client(world.other_org, first_name="Foreign")
    for i, client in enumerate(inside):
        _viewed(world, world.practitioner, client, start + dt.timedelta(hours=i))
    _viewed(world, world.practitioner, inside[0], start + dt.timedelta(hours=4))  # twice: listed once
    _viewed(world, world.practitioner, before, start - dt.timedelta(seconds=1))
    _viewed(world, world.practitioner, after, end)
    _viewed(world, world.reception, by_other, start + dt.timedelta(hours=1))
    _viewed(world, world.practitioner, changed, start + dt.timedelta(hours=2), action=AuditAction.UPDATE)
    _viewed(world, world.outsider, foreign, start + dt.timedelta(hours=1), organization=world.other_org)
    breach = _breach(world.org)

    added = select_subjects_from_audit(breach=breach, actor=_owner(world), user_id=world.practitioner.user_id,
                                       start=start, end=end, action=AuditAction.VIEW)

    assert added == 3
    subjects = BreachSubject.objects.for_organization(world.org).filter(breach=breach)
    assert {s.client_id for s in subjects} == {c.pk for c in inside}
    assert {s.subject_ref for s in subjects} == {c.subject_ref for c in inside}
    found = subjects[0].found_by
    assert found == {"by": "audit_log", "user_id": world.practitioner.user_id, "action": "view",
                     "start": start.isoformat(), "end": end.isoformat()}
    with translation.override("en"), timezone.override("UTC"):
        description = subjects[0].how_found
    assert description.startswith(f"From the access log: account #{world.practitioner.user_id}, Viewed, ")
    assert "In0" not in description and world.practitioner.user.email not in description
    # Without the action filter, the changed client joins; running it again adds nobody twice.
    assert select_subjects_from_audit(breach=breach, actor=_owner(world), user_id=world.practitioner.user_id,
                                      start=start, end=end) == 1
    assert breach.subjects.count() == 4


def test_selection_refuses_an_account_of_another_organization_and_an_empty_window(world):
    breach = _breach(world.org)
    with pytest.raises(ValidationError) as error:
        select_subjects_from_audit(breach=breach, actor=SYSTEM, user_id=world.outsider.user_id,
                                   start=T0 - dt.timedelta(hours=1), end=T0)
    assert "user" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        select_subjects_from_audit(breach=breach, actor=SYSTEM, start=T0, end=T0)
    assert "end" in error.value.message_dict


def test_a_client_is_added_and_removed_by_hand_but_not_removed_once_told(world):
    breach = _breach(world.org)
    anna = make_client(world.org, email="anna@example.test")
    assert breach_subject_add(breach=breach, client=anna, actor=SYSTEM)
    assert not breach_subject_add(breach=breach, client=anna, actor=SYSTEM)
    with pytest.raises(ValidationError):
        breach_subject_add(breach=breach, client=make_client(world.other_org), actor=SYSTEM)
    subject = breach.subjects.get()
    assert subject.found_by == {"by": "hand"}
    subject.notified_at = timezone.now()
    subject.save()
    with pytest.raises(ValidationError):
        breach_subject_remove(subject=subject, actor=SYSTEM)
    subject.notified_at = None
    subject.save()
    breach_subject_remove(subject=subject, actor=SYSTEM)
    assert not breach.subjects.exists()


# --- telling the clients (Art. 34) ----------------------------------------------------------------------

def test_a_high_risk_breach_not_told_to_clients_needs_an_art_34_3_ground(world):
    breach = _breach(world.org, risk=BreachRisk.HIGH)
    with pytest.raises(ValidationError) as error:
        breach_decide_clients(breach=breach, decision=ClientDecision.NOT_NEEDED, reason="", actor=SYSTEM)
    assert "ground" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        breach_decide_clients(breach=breach, decision=ClientDecision.NOT_NEEDED, reason="", actor=SYSTEM,
                              ground=NoNoticeGround.UNINTELLIGIBLE)
    assert "reason" in error.value.message_dict
    breach_decide_clients(breach=breach, decision=ClientDecision.NOT_NEEDED, reason="The disk was encrypted "
                          "(BitLocker) and the key was not with it.", actor=SYSTEM,
                          ground=NoNoticeGround.UNINTELLIGIBLE)
    breach.refresh_from_db()
    assert breach.client_decision == ClientDecision.NOT_NEEDED
    assert "Art. 34(3)(a)" in breach.client_decision_reason and "BitLocker" in breach.client_decision_reason


def test_a_breach_that_is_not_high_risk_may_be_left_untold_without_grounds(world):
    breach = _breach(world.org, risk=BreachRisk.RISK)
    breach_decide_clients(breach=breach, decision=ClientDecision.NOT_NEEDED, reason="", actor=SYSTEM)
    assert breach.client_decision == ClientDecision.NOT_NEEDED


def test_client_notices_go_through_the_outbox_in_each_clients_language_and_arrive(world, smtp_server):
    from clients.services import client_restrict

    world.org.privacy_contact_email = "privacy@aurora.test"
    world.org.save()
    breach = _breach(world.org, risk=BreachRisk.HIGH, consequences="Someone may know of your appointments.",
                     measures="We changed every password and ended all sessions.")
    finnish = make_client(world.org, first_name="Aino", email="aino@example.test", preferred_language="fi")
    english = make_client(world.org, first_name="Emma", email="emma@example.test", preferred_language="en")
    client_restrict(client=english, reason="Contests the data", actor=SYSTEM)
    no_email = make_client(world.org, first_name="Paavo", phone="0401234567")
    for client in (finnish, english, no_email):
        breach_subject_add(breach=breach, client=client, actor=SYSTEM)
    with pytest.raises(ValidationError):
        breach_notify_clients(breach=breach, actor=SYSTEM, message_text="A laptop was stolen.")
    breach_decide_clients(breach=breach, decision=ClientDecision.INFORM, reason="", actor=SYSTEM)

    result = breach_notify_clients(breach=breach, actor=SYSTEM, message_text="A laptop was stolen.")

    assert result.told == 2 and [s.client for s in result.no_address] == [no_email]
    messages = Message.objects.for_organization(world.org).filter(purpose=MessagePurpose.BREACH)
    assert {m.recipient: m.language for m in messages} == {"aino@example.test": "fi", "emma@example.test": "en"}
    assert breach.subjects.exclude(notified_at=None).count() == 2
    assert deliver()["sent"] == 2  # the restricted client is told too: a legal notice, not marketing
    arrived = {m["To"]: m.get_payload(decode=True).decode() for m in smtp_server.wait_for(2)}
    body = arrived["emma@example.test"]
    for part in ("A laptop was stolen.", "Someone may know of your appointments.",
                 "We changed every password and ended all sessions.", "privacy@aurora.test",
                 "Tietosuojavaltuutetun toimisto"):
        assert part in body, part
    assert Message.objects.filter(purpose=MessagePurpose.BREACH, status=MessageStatus.SENT).count() == 2
    again = breach_notify_clients(breach=breach, actor=SYSTEM, message_text="A laptop was stolen.")
    assert again.told == 0 and again.already_told == 2


def test_how_a_client_was_found_is_stored_as_data_and_worded_for_the_reader(world):
    """Stored English ("audit log · any account · …") showed in English on a Finnish page; now the page words it."""
    breach = _breach(world.org)
    _viewed(world, world.reception, make_client(world.org), T0 - dt.timedelta(minutes=30))
    select_subjects_from_audit(breach=breach, actor=SYSTEM, start=T0 - dt.timedelta(hours=1), end=T0)
    subject = breach.subjects.get()
    assert subject.found_by == {"by": "audit_log", "user_id": None, "action": "",
                                "start": (T0 - dt.timedelta(hours=1)).isoformat(), "end": T0.isoformat()}
    with translation.override("en"), timezone.override("Europe/Helsinki"):
        assert subject.how_found == "From the access log: any account, any action, 3.3.2025 09:00 – 3.3.2025 10:00"


def test_the_migration_reads_the_descriptions_written_before(world):
    import importlib

    migration = importlib.import_module("privacy.migrations.0005_human_names_and_breach_found_by")
    assert migration.found_by("added by hand") == {"by": "hand"}
    assert migration.found_by("audit log · account #7 · view · 2026-03-01 08:00 UTC – 2026-03-02 08:00 UTC") == {
        "by": "audit_log", "user_id": 7, "action": "view", "start": "2026-03-01T08:00:00+00:00",
        "end": "2026-03-02T08:00:00+00:00"}
    assert migration.found_by("audit log · any account · any action · 2026-03-01 08:00 UTC – 2026-03-02 08:00 UTC"
                              )["user_id"] is None
    assert migration.found_by("something else") == {"by": "other", "text": "something else"}
