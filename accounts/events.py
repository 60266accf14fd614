"""What accounts publishes (kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class InvitationCreated(Event):
    """notify mails the invitation: it issues the link (`invitation_issue_link`) and queues the email."""

    name = "accounts.invitation_created"
    invitation_id: int
