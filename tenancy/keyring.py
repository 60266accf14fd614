"""Per-organization keys: creating, unwrapping, rotating, and using them on field values.

A protected value is stored as "<data key version>:<base64 AES-GCM>" with associated data
"<organization id>|<model label>|<field>", so it cannot be moved to another organization,
model or column. Exact search uses a blind index: HMAC-SHA256 under the organization's
index key over "<model label>|<field>|<normalised value>".
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tenancy.models import KeyPurpose, OrganizationKey
from tilli.lib.crypto import DecryptionError, b64, blind_index, new_key, open_sealed, seal, unb64

_cache: dict[tuple[int, str, int, str, str], bytes] = {}
_cache_lock = threading.Lock()


def _wrap_context(organization_id: int, purpose: str, version: int) -> bytes:
    return f"tilli-key|{organization_id}|{purpose}|{version}".encode()


def _current_master() -> tuple[str, bytes]:
    key_id = next(iter(settings.TILLI_MASTER_KEYS))
    return key_id, settings.TILLI_MASTER_KEYS[key_id]


def _wrap(organization_id: int, purpose: str, version: int, key: bytes) -> tuple[str, str]:
    master_id, master = _current_master()
    return master_id, b64(seal(master, key, _wrap_context(organization_id, purpose, version)))


def _unwrap(row: OrganizationKey) -> bytes:
    master = settings.TILLI_MASTER_KEYS.get(row.master_key_id)
    if master is None:
        raise DecryptionError(f"master key {row.master_key_id!r} is not configured in TILLI_MASTER_KEYS")
    return open_sealed(master, unb64(row.wrapped), _wrap_context(row.organization_id, row.purpose, row.version))


def create_key(organization_id: int, purpose: str) -> OrganizationKey:
    last = (OrganizationKey.objects.filter(organization_id=organization_id, purpose=purpose)
            .order_by("-version").values_list("version", flat=True).first()) or 0
    master_id, wrapped = _wrap(organization_id, purpose, last + 1, new_key())
    return OrganizationKey.objects.create(organization_id=organization_id, purpose=purpose, version=last + 1,
                                          master_key_id=master_id, wrapped=wrapped)


def _create_first_key(organization_id: int, purpose: str) -> None:
    """Organizations created before encryption existed get their keys on first use."""
    try:
        with transaction.atomic():
            create_key(organization_id, purpose)
    except IntegrityError:
        pass  # another process created it first; use theirs


def ensure_keys(organization_id: int) -> None:
    for purpose in KeyPurpose.values:
        if not OrganizationKey.objects.filter(organization_id=organization_id, purpose=purpose).exists():
            create_key(organization_id, purpose)


_KEY_SQL = {
    True: ("SELECT version, master_key_id, wrapped FROM tenancy_organizationkey "
           "WHERE organization_id = %s AND purpose = %s AND version = %s"),
    False: ("SELECT version, master_key_id, wrapped FROM tenancy_organizationkey "
            "WHERE organization_id = %s AND purpose = %s AND retired_at IS NULL ORDER BY version DESC LIMIT 1"),
}


def _key(organization_id: int, purpose: str, version: int | None = None) -> tuple[int, bytes]:
    """(version, key): the given version, or the newest unretired one.

    The row is read every time (one small indexed query), so a rotation or a destroyed
    key takes effect at once in every process, and a rolled-back key can never linger;
    only the unwrapping is cached, keyed by the wrapped bytes themselves.
    """
    params = [organization_id, purpose] + ([version] if version is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL[version is not None], params)
        found = cursor.fetchone()
    if found is None and version is None:
        _create_first_key(organization_id, purpose)
        return _key(organization_id, purpose)
    if found is None:
        raise DecryptionError("the organization has no such key (it may have been destroyed)")
    row_version, master_key_id, wrapped = found
    cache_key = (organization_id, purpose, row_version, master_key_id, wrapped)
    with _cache_lock:
        key = _cache.get(cache_key)
    if key is None:
        key = _unwrap(OrganizationKey(organization_id=organization_id, purpose=purpose, version=row_version,
                                      master_key_id=master_key_id, wrapped=wrapped))
        with _cache_lock:
            if len(_cache) > 10_000:
                _cache.clear()
            _cache[cache_key] = key
    return row_version, key


def forget_cached_keys() -> None:
    with _cache_lock:
        _cache.clear()


def _field_context(organization_id: int, label: str, field: str) -> bytes:
    return f"{organization_id}|{label}|{field}".encode()


def encrypt_value(organization_id: int, label: str, field: str, plaintext: str) -> str:
    version, key = _key(organization_id, KeyPurpose.DATA)
    return f"{version}:{b64(seal(key, plaintext.encode('utf-8'), _field_context(organization_id, label, field)))}"


def decrypt_value(organization_id: int, label: str, field: str, stored: str) -> str:
    version_text, sep, body = stored.partition(":")
    if not sep or not version_text.isdigit():
        raise DecryptionError("not a ciphertext of this system")
    _, key = _key(organization_id, KeyPurpose.DATA, int(version_text))
    return open_sealed(key, unb64(body), _field_context(organization_id, label, field)).decode("utf-8")


def encrypt_bytes(organization_id: int, purpose: str, data: bytes) -> bytes:
    """Seal a file's content with the organization's data key (e.g. a data export), bound to its purpose."""
    version, key = _key(organization_id, KeyPurpose.DATA)
    return f"{version}:".encode() + seal(key, data, f"{organization_id}|file|{purpose}".encode())


def decrypt_bytes(organization_id: int, purpose: str, stored: bytes) -> bytes:
    version_text, sep, body = stored.partition(b":")
    if not sep or not version_text.isdigit():
        raise DecryptionError("not a ciphertext of this system")
    _, key = _key(organization_id, KeyPurpose.DATA, int(version_text))
    return open_sealed(key, body, f"{organization_id}|file|{purpose}".encode())


def index_value(organization_id: int, label: str, field: str, normalised: str) -> str:
    _, key = _key(organization_id, KeyPurpose.INDEX)
    return blind_index(key, f"{label}|{field}|{normalised}")


@transaction.atomic
def rewrap_all(organization_id: int) -> int:
    """Re-encrypt every key of the organization with the current master key; returns how many."""
    count = 0
    for row in OrganizationKey.objects.select_for_update().filter(organization_id=organization_id):
        key = _unwrap(row)
        row.master_key_id, row.wrapped = _wrap(organization_id, row.purpose, row.version, key)
        row.save(update_fields=["master_key_id", "wrapped"])
        count += 1
    return count


def retire_old_data_keys(organization_id: int, keep_version: int) -> None:
    OrganizationKey.objects.filter(organization_id=organization_id, purpose=KeyPurpose.DATA, retired_at=None,
                                   version__lt=keep_version).update(retired_at=timezone.now())
