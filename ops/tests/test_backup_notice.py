"""The privacy notice states how long erased data can stay in backups, once backups are taken."""

from __future__ import annotations

import pytest

from privacy.document_rendering import notice_text
from privacy.documents import notice_facts


@pytest.mark.django_db
def test_the_notice_states_the_backup_period_from_the_retention_settings(world, settings):
    settings.BACKUP_KEYS = {}
    facts = notice_facts(world.org)
    assert "backups" not in facts and "encrypted_backups" not in facts["security"]

    settings.BACKUP_KEYS = {"b1": b"k" * 32}
    settings.BACKUP_KEEP_MONTHLY = 12
    facts = notice_facts(world.org)
    assert facts["backups"] == {"erased_gone_within_days": 403}
    text = notice_text(facts, organization=world.org, language="en")
    assert "stays in the encrypted backups for at most 403 days" in text
    assert "Daily backups, encrypted with a key kept apart from the data" in text
