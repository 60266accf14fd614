"""Crypto primitives for field encryption: AES-256-GCM with bound context, key wrapping, HMAC.

Nothing here knows about organizations or models; `tenancy.keyring` decides which key
protects what. Every ciphertext is bound (as associated data) to the context it was
written for, so a value copied into another column, row owner or organization fails to
decrypt instead of being shown as someone else's data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(Exception):
    """A value could not be decrypted: wrong key, wrong context, or tampered ciphertext.

    The message never contains the ciphertext or any part of the plaintext.
    """


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(key: bytes, sealed: bytes, context: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except InvalidTag:
        raise DecryptionError("authentication failed: wrong key or context, or tampered data") from None


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def blind_index(key: bytes, normalised: str) -> str:
    """HMAC-SHA256 of a normalised value: reveals equality only, and only to the key holder."""
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


# --- values sealed directly with an operator master key (not with an organization's key) ----------

MASTER_SEALED_PREFIX = "tilli-mk:"


def seal_with_master(keys: dict[str, bytes], plaintext: str, context: str) -> str:
    """`tilli-mk:<master key id>:<base64 AES-GCM>` under the first key of `keys` (TILLI_MASTER_KEYS).

    For secrets that belong to no organization (a person's two-factor seed). The prefix tells a
    sealed value from a legacy plain one; the key id lets any configured key open it after rotation.
    """
    key_id, key = next(iter(keys.items()))
    return f"{MASTER_SEALED_PREFIX}{key_id}:{b64(seal(key, plaintext.encode('utf-8'), context.encode()))}"


def master_key_id(stored: str) -> str | None:
    """The id of the master key that sealed the value; None when it is not a master-sealed value."""
    if not stored.startswith(MASTER_SEALED_PREFIX):
        return None
    key_id, sep, _ = stored.removeprefix(MASTER_SEALED_PREFIX).partition(":")
    return key_id if sep and key_id else None


def open_with_master(keys: dict[str, bytes], stored: str, context: str) -> str:
    """The plaintext of a `seal_with_master` value; DecryptionError for anything else, plain text included."""
    key_id = master_key_id(stored)
    if key_id is None:
        raise DecryptionError("not a value sealed with a master key")
    key = keys.get(key_id)
    if key is None:
        raise DecryptionError(f"master key {key_id!r} is not configured in TILLI_MASTER_KEYS")
    body = stored.removeprefix(f"{MASTER_SEALED_PREFIX}{key_id}:")
    try:
        sealed = unb64(body)
    except ValueError:
        raise DecryptionError("not a value sealed with a master key") from None
    return open_sealed(key, sealed, context.encode()).decode("utf-8")
