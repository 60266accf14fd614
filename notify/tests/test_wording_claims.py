"""Every message says only what it holds: no "the link" without a link, no "attached" without an
attachment, no "you can move or cancel with this link" when the deadline for that has passed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from notify.models import MessageChannel, TemplateKind
from notify.wording import SLOTS, default_wording, how_to_change

LINK_CLAIMS = ("Keep this message: anyone with the link can manage the booking.",
               "To cancel or move your booking, open this link:", "Move or cancel:", "Open it in the calendar:")
ATTACHMENT_CLAIM = "The attached calendar entry adds the appointment to your calendar."
CHANGE_CLAIMS = ("To cancel or move your booking, open this link:", "Move or cancel:")


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize(("kind", "channel"), SLOTS)
def test_a_message_claims_no_link_or_attachment_it_does_not_carry(kind, channel, language):
    with translation.override(language):
        _subject, body = default_wording(kind, channel)
        claims = {claim: gettext(claim) for claim in (*LINK_CLAIMS, ATTACHMENT_CLAIM)}
    has_link = "{manage_link}" in body or "{panel_link}" in body
    for claim in LINK_CLAIMS:
        assert has_link or claims[claim].split(":")[0] not in body, (kind, channel, claim)
    has_attachment = channel == MessageChannel.EMAIL and kind != TemplateKind.STAFF_NEW_BOOKING
    assert has_attachment or claims[ATTACHMENT_CLAIM] not in body
    for claim in CHANGE_CLAIMS:  # the link moves or cancels only until the deadline: {how_to_change} says which
        assert claims[claim] not in body, (kind, channel, claim)


def test_the_cancellation_email_says_nothing_of_a_link():
    _subject, body = default_wording(TemplateKind.CANCELLED, MessageChannel.EMAIL)
    assert "link" not in body.lower() and "{manage_link}" not in body


def test_after_the_deadline_the_message_says_whom_to_contact_not_that_the_link_changes_it():
    text = how_to_change(changeable=False, cancel_until="1.12.2026 10:00", business_name="Kaisla")
    assert "contact Kaisla" in text and "yourself" not in text
