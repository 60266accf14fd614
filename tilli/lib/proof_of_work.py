"""A small proof of work that a public write must carry: no third party, no tracking, no puzzle to read.

The server hands out a signed challenge (`issue`); the browser (static/tilli.js, with Web Crypto) or an
API client finds a nonce, a decimal number, such that SHA-256 of "<challenge>:<nonce>" starts with
`bits` zero bits: about 2**bits hashes, a second or so in a phone's browser for the default 16 bits,
but a real cost for a script that wants thousands of bookings. `verify` checks the signature, the
age, the scope (which organization and form the challenge was given for) and the hash; the caller
makes each challenge usable once (tenancy.public_writes).
"""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing

SALT = "tilli.proof-of-work"


def issue(scope: str, bits: int) -> str:
    """A new signed, time-stamped challenge for `scope` at difficulty `bits`."""
    return signing.dumps({"s": scope, "b": bits, "r": secrets.token_urlsafe(12)}, salt=SALT)


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def solve(challenge: str, bits: int) -> str:
    """The first nonce that meets the difficulty (what an API client does; the tests use it too)."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def verify(challenge: str, nonce: str, *, scope: str, bits: int, max_age: int) -> bool:
    """Whether `nonce` solves a challenge this server issued for `scope`, at least `bits` hard, within
    `max_age` seconds."""
    if not challenge or not nonce or len(nonce) > 20 or not nonce.isascii() or not nonce.isdigit():
        return False
    try:
        data = signing.loads(challenge, salt=SALT, max_age=max_age)
    except (signing.BadSignature, ValueError):  # forged, expired, or not even text we could have signed
        return False
    if not isinstance(data, dict) or data.get("s") != scope or not isinstance(data.get("b"), int):
        return False
    needed = max(data["b"], bits)
    return leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) >= needed
