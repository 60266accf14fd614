"""Two-factor secrets at rest: sealed with the operator's master key, re-sealed on key rotation.

allauth keeps a TOTP secret and a recovery-code seed in `Authenticator.data` and passes each through
the MFA adapter's encrypt/decrypt hooks (`accounts.adapter.MFAAdapter`). Whoever reads the database
(a backup, a leaked dump, the admin) could otherwise mint codes for every staff member. Sealed values
are bound to this purpose, so no other master-sealed value can be swapped in, and a plain secret
written into the table directly is refused instead of trusted.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction

from tilli.lib.crypto import master_key_id, open_with_master, seal_with_master

CONTEXT = "tilli|mfa-secret"

# Where allauth keeps values it passed through encrypt(): a string, or a list of strings
# (recovery codes carried over from allauth's older format).
SEALED_KEYS: dict[str, tuple[str, ...]] = {
    Authenticator.Type.TOTP: ("secret",),
    Authenticator.Type.RECOVERY_CODES: ("seed", "migrated_codes"),
}


def seal(text: str) -> str:
    return seal_with_master(settings.TILLI_MASTER_KEYS, text, CONTEXT)


def unseal(stored: str) -> str:
    return open_with_master(settings.TILLI_MASTER_KEYS, stored, CONTEXT)


def map_sealed_values(kind: str, data: dict, change: Callable[[str], str]) -> bool:
    """Replace each value allauth encrypted in `data` by `change(value)`; True if any changed."""
    changed = False
    for name in SEALED_KEYS.get(kind, ()):
        value = data.get(name)
        if isinstance(value, str):
            new = change(value)
            changed |= new != value
            data[name] = new
        elif isinstance(value, list):
            new_list = [change(item) if isinstance(item, str) else item for item in value]
            changed |= new_list != value
            data[name] = new_list
    return changed


@transaction.atomic
def reseal_all() -> int:
    """Seal every two-factor secret with the first master key (after a rotation); returns how many
    authenticators were rewritten. Values already under that key are left alone, so it can be rerun."""
    current = next(iter(settings.TILLI_MASTER_KEYS))

    def reseal(value: str) -> str:
        return value if master_key_id(value) == current else seal(unseal(value))

    rewritten = 0
    for authenticator in Authenticator.objects.select_for_update().filter(type__in=SEALED_KEYS).order_by("pk"):
        if map_sealed_values(authenticator.type, authenticator.data, reseal):
            authenticator.save(update_fields=["data"])
            rewritten += 1
    return rewritten
