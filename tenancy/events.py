"""What tenancy publishes (kernel.events). A sign-up has no organization yet, so these carry none."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class SignupRequested(Event):
    """notify mails the confirmation link (`signup_issue_link`), unless the address or business is taken."""

    name = "tenancy.signup_requested"
    organization_id: int | None = None
    signup_id: int


@dataclass(frozen=True, kw_only=True)
class SignupInvited(Event):
    """notify mails the operator's sign-up invitation (`signup_invitation_issue_link`)."""

    name = "tenancy.signup_invited"
    organization_id: int | None = None
    invitation_id: int
