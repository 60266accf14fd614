"""The SMS transport interface: every gateway is a small class behind this base.

A transport sends one text to one E.164 number and returns the provider's message id, or
raises `TransportError` saying whether a retry can help. Errors carry a short code, never
the number or the text, so they can be logged and stored safely.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    response: str = ""  # a short, non-personal summary of the provider's answer (e.g. "status=queued parts=2")


class TransportError(Exception):
    def __init__(self, code: str, *, retryable: bool) -> None:
        super().__init__(code)
        self.code = code[:100]
        self.retryable = retryable


class SmsTransport(ABC):
    name: str = ""

    @abstractmethod
    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsResult:
        """Send `text` to `to` (E.164, e.g. +358401234567). `reference` is our idempotency key for the
        message (the outbox row); providers that support it use it to refuse a duplicate."""
