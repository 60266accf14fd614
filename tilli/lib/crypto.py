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
