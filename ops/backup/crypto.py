"""Streaming authenticated encryption of a backup file (AES-256-GCM in 1 MiB chunks).

A database dump is too large to seal in one piece in memory, and one GCM message is limited anyway, so
the file is cut into chunks sealed one by one (the STREAM construction): each chunk's nonce holds a
random per-file prefix, the chunk's number and whether it is the last one, and every chunk is bound to
the header. Reordering, dropping or truncating chunks, or swapping headers, makes decryption fail.

Layout: MAGIC | key id length (1 byte) | key id | nonce prefix (7 bytes), then records of
ciphertext length (4 bytes, big-endian) | ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"TILLIBK1"
CHUNK = 1024 * 1024
_PREFIX = 7


class BackupDecryptionError(Exception):
    """The file is not a backup, was sealed with a key we do not have, or was altered or cut short."""


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if final else b"\x00")


def encrypt(source: BinaryIO, target: BinaryIO, *, key_id: str, key: bytes) -> None:
    encoded_id = key_id.encode("ascii")
    prefix = os.urandom(_PREFIX)
    header = MAGIC + bytes([len(encoded_id)]) + encoded_id + prefix
    target.write(header)
    aead = AESGCM(key)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        final = not following
        sealed = aead.encrypt(_nonce(prefix, index, final), chunk, header)
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if final:
            return
        chunk, index = following, index + 1


def key_id_of(source: BinaryIO) -> str:
    """The id of the key a backup was sealed with (read from its header; the stream is left after it)."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupDecryptionError("not a Tilli backup")
    length = source.read(1)
    if not length:
        raise BackupDecryptionError("header cut short")
    return source.read(length[0]).decode("ascii", "replace")


def decrypt(source: BinaryIO, target: BinaryIO, *, keys: Mapping[str, bytes]) -> None:
    key_id = key_id_of(source)
    prefix = source.read(_PREFIX)
    if key_id not in keys:
        raise BackupDecryptionError(f"sealed with backup key {key_id!r}, which BACKUP_KEY does not hold")
    if len(prefix) != _PREFIX:
        raise BackupDecryptionError("header cut short")
    header = MAGIC + bytes([len(key_id)]) + key_id.encode("ascii") + prefix
    aead = AESGCM(keys[key_id])
    index = 0
    record = _read_record(source)
    while record is not None:
        following = _read_record(source)
        try:
            target.write(aead.decrypt(_nonce(prefix, index, following is None), record, header))
        except InvalidTag:
            raise BackupDecryptionError(f"chunk {index} does not authenticate (altered, reordered or cut short)"
                                        ) from None
        record, index = following, index + 1
    if index == 0:
        raise BackupDecryptionError("no data after the header")


def _read_record(source: BinaryIO) -> bytes | None:
    length = source.read(4)
    if not length:
        return None
    if len(length) != 4:
        raise BackupDecryptionError("record length cut short")
    (size,) = struct.unpack(">I", length)
    if size > CHUNK + 16:
        raise BackupDecryptionError("record longer than a chunk")
    data = source.read(size)
    if len(data) != size:
        raise BackupDecryptionError("record cut short")
    return data
