"""What the data-subject rights publish (kernel.events): the request's id and kind, nothing of its content."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class RequestEvent(Event):
    request_id: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class PrivacyRequestReceived(RequestEvent):
    name = "privacy.request_received"


@dataclass(frozen=True, kw_only=True)
class PrivacyRequestAnswered(RequestEvent):
    """Closed: `status` is completed or refused."""

    name = "privacy.request_answered"
    status: str
