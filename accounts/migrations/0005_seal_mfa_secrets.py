"""Seal the two-factor secrets stored in plain text before accounts.adapter.MFAAdapter existed.

Idempotent: a value that already carries the sealed prefix is left alone, so the migration can be
rerun (or run over a half-migrated table) without sealing anything twice. Irreversible on purpose:
writing secrets back in plain text is what this step exists to end; reversing it only records the
state change and leaves the sealed values readable by the adapter.
"""

from django.conf import settings
from django.db import migrations

from tilli.lib.crypto import MASTER_SEALED_PREFIX, seal_with_master

CONTEXT = "tilli|mfa-secret"  # frozen copy of accounts.mfa_secrets.CONTEXT
SEALED_KEYS = {"totp": ("secret",), "recovery_codes": ("seed", "migrated_codes")}


def _seal(value):
    if not isinstance(value, str) or value.startswith(MASTER_SEALED_PREFIX):
        return value
    return seal_with_master(settings.TILLI_MASTER_KEYS, value, CONTEXT)


def seal_plain_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=SEALED_KEYS).order_by("pk").iterator():
        data = dict(authenticator.data)
        for name in SEALED_KEYS[authenticator.type]:
            if name in data:
                value = data[name]
                data[name] = [_seal(item) for item in value] if isinstance(value, list) else _seal(value)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_password_changed_at"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(seal_plain_secrets, migrations.RunPython.noop, elidable=False),
    ]
