"""The operator's sub-processor list: every addition, change and removal is told to every owner
by email (GDPR Art. 28(2)), whether made in the admin, by the seed command or in code."""

from __future__ import annotations

import json
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from kernel.audit import Actor
from notify.models import Message, MessagePurpose
from privacy.models import SubProcessor
from privacy.subprocessors import subprocessor_add, subprocessor_remove, subprocessor_update
from tilli.test import World, make_organization, worker_after

OPERATOR = Actor.system("test operator")
EXAMPLE = Path(settings.BASE_DIR) / "docs" / "subprocessors.example.json"
MAILER = {"name": "Postia Oy", "address": "Postikatu 1, 00100 Helsinki", "country": "fi",
          "purpose": "Email delivery", "location": "Finland (EU)", "data_categories": "Email addresses, messages"}


def _text(message) -> tuple[str, str]:
    return str(make_header(decode_header(message["Subject"]))), message.get_payload(decode=True).decode()


def _owners_read_english(world: World) -> None:
    """Tests of what the email says read it in English; the language choice has its own test."""
    for membership in (world.owner, world.outsider):
        membership.user.preferred_language = "en"
        membership.user.save(update_fields=["preferred_language"])


def _owner_emails(world: World) -> list[str]:
    return sorted([world.owner.user.email, world.outsider.user.email])


def test_adding_a_subprocessor_tells_every_owner_of_every_organization(world, smtp_server):
    _owners_read_english(world)
    with worker_after():
        added = subprocessor_add(**MAILER, actor=OPERATOR)

    assert added.country == "FI"
    inbox = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in inbox) == _owner_emails(world)
    assert not {m["To"] for m in inbox} & {world.practitioner.user.email, world.reception.user.email}
    subject, body = _text(next(m for m in inbox if m["To"] == world.owner.user.email))
    assert "Postia Oy" in subject
    for value in ("Postikatu 1, 00100 Helsinki", "Email delivery", "Finland (EU)"):
        assert value in body
    assert "28(2)" in body and settings.OPERATOR_EMAIL in body
    assert all(m.purpose == MessagePurpose.STAFF and m.client_id is None for m in Message.objects.all())


def test_an_owner_is_told_in_their_language(world, smtp_server):
    world.outsider.user.preferred_language = "pl"
    world.outsider.user.save()

    with worker_after():
        subprocessor_add(**MAILER, actor=OPERATOR)

    languages = {m.recipient: m.language for m in Message.objects.all()}
    assert languages == {world.owner.user.email: "fi", world.outsider.user.email: "pl"}


def test_a_change_says_what_was_and_what_is(world, smtp_server):
    _owners_read_english(world)
    subprocessor = subprocessor_add(**MAILER, actor=OPERATOR)
    Message.objects.all().delete()

    with worker_after():
        changed = subprocessor_update(subprocessor=subprocessor, actor=OPERATOR, location="Sweden (EU)", position=5)

    assert sorted(changed) == ["location", "position"]
    _, body = _text(smtp_server.wait_for(2)[0])
    assert "Finland (EU)" in body and "Sweden (EU)" in body and "28(2)" in body


def test_moving_a_subprocessor_in_the_list_is_not_announced(world):
    subprocessor = subprocessor_add(**MAILER, actor=OPERATOR)
    Message.objects.all().delete()

    assert subprocessor_update(subprocessor=subprocessor, actor=OPERATOR, position=3) == ["position"]
    assert subprocessor_update(subprocessor=subprocessor, actor=OPERATOR, position=3) == []
    assert not Message.objects.exists()


def test_removing_keeps_the_row_for_older_documents_and_tells_every_owner(world, smtp_server):
    _owners_read_english(world)
    subprocessor = subprocessor_add(**MAILER, actor=OPERATOR)
    Message.objects.all().delete()

    with worker_after():
        subprocessor_remove(subprocessor=subprocessor, actor=OPERATOR)

    subprocessor.refresh_from_db()
    assert subprocessor.removed_at is not None
    subject, _ = _text(smtp_server.wait_for(2)[0])
    assert "no longer" in subject
    subprocessor_remove(subprocessor=subprocessor, actor=OPERATOR)  # a second removal changes and tells nothing
    assert Message.objects.count() == 2


def test_demo_organizations_are_not_written_to(world):
    demo = make_organization(name="Demo salon")
    demo.is_demo = True
    demo.save()

    subprocessor_add(**MAILER, actor=OPERATOR)

    assert not Message.objects.filter(organization=demo).exists()
    assert Message.objects.count() == 2


def test_an_invalid_subprocessor_is_refused_and_nobody_is_told(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        subprocessor_add(**{**MAILER, "country": "Finland"}, actor=OPERATOR)
    assert not SubProcessor.objects.exists() and not Message.objects.exists()


# --- the seed command -----------------------------------------------------------------------------------

def test_the_example_file_lists_hosting_email_and_both_sms_gateways():
    entries = json.loads(EXAMPLE.read_text())["subprocessors"]
    text = json.dumps(entries)
    assert "Hosting" in text and "Email delivery" in text and "SMSAPI" in text and "GatewayAPI" in text
    assert {e["country"] for e in entries} <= {"DE", "FI", "FR", "PL", "DK", "SE", "NL", "IE"}  # all in the EU


def test_seeding_adds_the_file_once_and_tells_the_owners(world):
    call_command("seed_subprocessors", str(EXAMPLE), verbosity=0)

    assert SubProcessor.objects.filter(removed_at=None).count() == 4
    assert Message.objects.count() == 4 * 2  # four additions, two owners
    call_command("seed_subprocessors", str(EXAMPLE), verbosity=0)
    assert SubProcessor.objects.count() == 4 and Message.objects.count() == 8


def test_seeding_updates_and_with_remove_missing_removes(world, tmp_path):
    subprocessor_add(**MAILER, actor=OPERATOR)
    entries = json.loads(EXAMPLE.read_text())["subprocessors"][:1]
    path = tmp_path / "list.json"
    path.write_text(json.dumps(entries))
    call_command("seed_subprocessors", str(path), verbosity=0)
    entries[0]["location"] = "Falkenstein, Germany (EU)"
    path.write_text(json.dumps(entries))

    call_command("seed_subprocessors", str(path), "--remove-missing", verbosity=0)

    current = SubProcessor.objects.filter(removed_at=None)
    assert [(s.name, s.location) for s in current] == [(entries[0]["name"], "Falkenstein, Germany (EU)")]
    assert SubProcessor.objects.get(name="Postia Oy").removed_at is not None


def test_a_dry_run_writes_nothing(world):
    call_command("seed_subprocessors", str(EXAMPLE), "--dry-run", verbosity=0)

    assert not SubProcessor.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize("content", ["not json", '{"other": []}', '[{"name": "X"}]',
                                     json.dumps([{**MAILER, "colour": "red"}]), json.dumps([MAILER, MAILER]),
                                     json.dumps([{**MAILER, "country": "Suomi"}])])
def test_a_bad_file_is_refused_with_a_reason_and_changes_nothing(world, tmp_path, content):
    path = tmp_path / "list.json"
    path.write_text(content)

    with pytest.raises(CommandError):
        call_command("seed_subprocessors", str(path), verbosity=0)
    assert not SubProcessor.objects.exists() and not Message.objects.exists()
