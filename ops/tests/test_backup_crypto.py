"""Backups are sealed chunk by chunk; any change, reordering or truncation, or the wrong key, is refused."""

from __future__ import annotations

import io
import os

import pytest

from ops.backup import crypto

KEY = {"b1": os.urandom(32)}


def _seal(data: bytes) -> bytes:
    target = io.BytesIO()
    crypto.encrypt(io.BytesIO(data), target, key_id="b1", key=KEY["b1"])
    return target.getvalue()


def _open(sealed: bytes, keys=KEY) -> bytes:
    target = io.BytesIO()
    crypto.decrypt(io.BytesIO(sealed), target, keys=keys)
    return target.getvalue()


@pytest.mark.parametrize("size", [0, 1, crypto.CHUNK, 2 * crypto.CHUNK + 17])
def test_a_sealed_backup_opens_to_the_same_bytes(size):
    data = os.urandom(size)
    sealed = _seal(data)
    if size >= 16:  # a shorter probe could turn up in random ciphertext by chance (1 byte: often)
        assert data[:64] not in sealed
    assert _open(sealed) == data


def test_a_changed_byte_is_refused():
    sealed = bytearray(_seal(os.urandom(3000)))
    sealed[-20] ^= 1
    with pytest.raises(crypto.BackupDecryptionError, match="does not authenticate"):
        _open(bytes(sealed))


def test_a_backup_cut_after_a_whole_chunk_is_refused():
    sealed = _seal(os.urandom(2 * crypto.CHUNK + 5))
    header = len(crypto.MAGIC) + 1 + 2 + 7
    first_record_end = header + 4 + crypto.CHUNK + 16
    with pytest.raises(crypto.BackupDecryptionError):
        _open(sealed[:first_record_end])  # the first chunk alone was not sealed as the last one


def test_the_wrong_or_a_missing_key_is_refused():
    sealed = _seal(b"data")
    with pytest.raises(crypto.BackupDecryptionError, match="does not authenticate"):
        _open(sealed, keys={"b1": os.urandom(32)})
    with pytest.raises(crypto.BackupDecryptionError, match="'b1', which BACKUP_KEY does not hold"):
        _open(sealed, keys={"b2": KEY["b1"]})
    with pytest.raises(crypto.BackupDecryptionError, match="not a Tilli backup"):
        _open(b"SQLite format 3\x00")
