"""Model fields for protected values: encrypted at rest, searchable only by blind index.

`EncryptedTextField` stores "<version>:<ciphertext>" and gives plaintext back only when
code reads the attribute, decrypting with the row's organization key. It refuses every
lookup except `isnull`, so nobody can write a query that compares plaintext against
ciphertext and silently finds nothing; exact search goes through a `BlindIndexField`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import FieldError
from django.db import models
from django.utils.module_loading import import_string

from tenancy.keyring import decrypt_value, encrypt_value, index_value


class Sealed:
    """A ciphertext as loaded from the database, not yet decrypted. Never prints its content."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: str) -> None:
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "<Sealed>"

    __str__ = __repr__


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedTextField) -> None:
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        name = self.field.attname
        if name not in instance.__dict__:
            instance.refresh_from_db(fields=[name])
        value = instance.__dict__[name]
        if isinstance(value, Sealed):
            value = decrypt_value(instance.organization_id, instance._meta.label, name, value.ciphertext)
            instance.__dict__[name] = value
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _EncryptedDescriptor(self))

    def from_db_value(self, value, expression, connection):
        return Sealed(value) if value else value

    def pre_save(self, model_instance, add):
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, Sealed):
            return value.ciphertext
        if not value:
            return ""
        return encrypt_value(model_instance.organization_id, model_instance._meta.label, self.attname, value)

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return value.ciphertext
        return super().get_prep_value(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: search its blind index instead of '{lookup_name}'.")
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj):
        value = obj.__dict__.get(self.attname)
        return value.ciphertext if isinstance(value, Sealed) else ""


class BlindIndexField(models.CharField):
    """HMAC of the normalised plaintext of `source`; empty when the source is empty."""

    def __init__(self, *args, source: str, normaliser: str, **kwargs) -> None:
        self.source, self.normaliser = source, normaliser
        kwargs.update(max_length=64, blank=True, default="", editable=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "blank", "default", "editable"):
            kwargs.pop(key, None)
        kwargs.update(source=self.source, normaliser=self.normaliser)
        return name, path, args, kwargs

    def _normalise(self) -> Callable[[str], str]:
        return import_string(self.normaliser)

    def pre_save(self, model_instance, add):
        plaintext = getattr(model_instance, self.source)
        value = ""
        if plaintext:
            value = index_value(model_instance.organization_id, model_instance._meta.label, self.source,
                                self._normalise()(plaintext))
        setattr(model_instance, self.attname, value)
        return value


def blind_index_for(model: type[models.Model], field: str, organization_id: int, plaintext: str) -> str:
    """The index value to search `field`'s sidecar for, as the model would have stored it."""
    index_field = next(f for f in model._meta.concrete_fields
                       if isinstance(f, BlindIndexField) and f.source == field)
    return index_value(organization_id, model._meta.label, field, index_field._normalise()(plaintext))
