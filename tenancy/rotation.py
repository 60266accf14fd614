"""Data-key rotation: re-encrypt every protected value of an organization under a new data key.

It walks the models' encrypted fields, so it sits above both `tenancy.keyring` (the keys) and
`tenancy.fields` (the fields that call the keyring); the keyring itself knows no field."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction

from tenancy.fields import EncryptedTextField
from tenancy.keyring import create_key, retire_old_data_keys
from tenancy.models import KeyPurpose


def encrypted_models() -> list[tuple[type, list[str]]]:
    """Every model of ours with encrypted columns, and those columns."""
    found = []
    for app_label in settings.TILLI_APPS:
        for model in apps.get_app_config(app_label).get_models():
            names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if names:
                found.append((model, names))
    return found


def rotate_data_key(organization_id: int, progress=None) -> int:
    """Encrypt every protected value of the organization under a new data key; returns rows rewritten.

    One transaction: either every value moves to the new key or none does.
    """
    with transaction.atomic():
        new = create_key(organization_id, KeyPurpose.DATA)
        rewritten = 0
        for model, names in encrypted_models():
            for row in model.objects.filter(organization_id=organization_id).iterator(chunk_size=500):
                for name in names:
                    setattr(row, name, getattr(row, name))  # decrypt with the old key, keep the plaintext
                row.save(update_fields=names)
                rewritten += 1
                if progress is not None:
                    progress.update(1)
        retire_old_data_keys(organization_id, keep_version=new.version)
    return rewritten
