"""What the customer register publishes (kernel.events): ids and field names, never values."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class ClientEvent(Event):
    client_id: int


@dataclass(frozen=True, kw_only=True)
class ClientCreated(ClientEvent):
    name = "clients.client_created"
    source: str


@dataclass(frozen=True, kw_only=True)
class ClientChanged(ClientEvent):
    """Fields of the client that changed, by name (reminder choices included)."""

    name = "clients.client_changed"
    fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ClientProcessingRestricted(ClientEvent):
    name = "clients.client_restricted"


@dataclass(frozen=True, kw_only=True)
class ClientRestrictionLifted(ClientEvent):
    name = "clients.client_restriction_lifted"


@dataclass(frozen=True, kw_only=True)
class ClientErased(ClientEvent):
    """Published by the erasure (privacy); the row may be gone or emptied by the time it is read."""

    name = "clients.client_erased"


@dataclass(frozen=True, kw_only=True)
class ConsentChanged(ClientEvent):
    """A marketing permission (`marketing_email`, `marketing_sms`) or the special-category approval
    (`special_category`) was granted or withdrawn."""

    name = "clients.consent_changed"
    consent: str
    granted: bool
