"""Cleaning client data typed by staff, by the client, or read from an import file.

One function, so the panel, the portal, the API and the CSV import accept and refuse
exactly the same values, with the same translated messages.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from clients.models import Client, ClientKind, CustomField, FieldType, Gender
from clients.normalise import phone_e164, validate_national_id
from tenancy.models import Organization
from tenancy.validators import normalise_business_id
from tilli.lib.text import text_problem

TEXT_FIELDS = ("first_name", "last_name", "company_name", "street_address", "postal_code", "city",
               "billing_name", "billing_address", "billing_reference")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "street_address", "postal_code", "city",
                  "preferred_language")


def _clean_custom(organization: Organization, values: dict[str, Any], errors: dict) -> dict[str, str]:
    definitions = {f.key: f for f in CustomField.objects.for_organization(organization).filter(is_active=True)}
    cleaned: dict[str, str] = {}
    for key, raw in values.items():
        definition = definitions.get(key)
        value = str(raw).strip() if raw is not None else ""
        if definition is None:
            errors.setdefault("custom_fields", []).append(_("Unknown custom field: %(key)s") % {"key": key})
            continue
        if not value:
            continue
        try:
            cleaned[key] = _clean_typed(definition.field_type, value, organization)
        except ValidationError as error:
            errors.setdefault("custom_fields", []).append(f"{definition.label}: {' '.join(error.messages)}")
    return cleaned


def _clean_typed(field_type: str, value: str, organization: Organization) -> str:
    if field_type == FieldType.URL:
        URLValidator(schemes=["https", "http"])(value)
    elif field_type == FieldType.EMAIL:
        validate_email(value)
    elif field_type == FieldType.PHONE:
        value = phone_e164(value, organization.country)
    elif field_type == FieldType.NUMBER:
        try:
            value = str(Decimal(value.replace(",", ".")))
        except InvalidOperation:
            raise ValidationError(_("Enter a number.")) from None
    elif field_type == FieldType.DATE:
        try:
            value = datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None
    return value


def clean_client_data(organization: Organization, data: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """Validate and normalise the given fields; raises ValidationError with a message per field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def fail(name: str, error: ValidationError | str) -> None:
        messages = error.messages if isinstance(error, ValidationError) else [error]
        errors.setdefault(name, []).extend(str(m) for m in messages)

    for name, value in data.items():  # every typed value: no NUL, control or direction characters, not invisible
        texts = value.values() if name == "custom_fields" and isinstance(value, dict) else [value]
        for text in texts:
            if isinstance(text, str) and (problem := text_problem(text)):
                fail(name, problem)
                break
    if errors:
        raise ValidationError(errors)
    for name in TEXT_FIELDS:
        if name in data:
            cleaned[name] = " ".join(str(data[name] or "").split()) if name != "billing_address" \
                else str(data[name] or "").strip()
    if "email" in data:
        email = str(data["email"] or "").strip().lower()
        try:
            if email:
                validate_email(email)
            cleaned["email"] = email
        except ValidationError as error:
            fail("email", error)
    if "phone" in data:
        phone = str(data["phone"] or "").strip()
        try:
            cleaned["phone"] = phone_e164(phone, organization.country) if phone else ""
        except ValidationError as error:
            fail("phone", error)
    if data.get("national_id"):
        if not organization.national_id_enabled:
            fail("national_id", _("This organization does not store national identity numbers."))
        else:
            try:
                cleaned["national_id"] = validate_national_id(organization.country, str(data["national_id"]))
            except ValidationError as error:
                fail("national_id", error)
    elif "national_id" in data:
        cleaned["national_id"] = ""
    if data.get("business_id"):
        try:
            cleaned["business_id"] = normalise_business_id(organization.country, str(data["business_id"]))
        except ValidationError as error:
            fail("business_id", error)
    elif "business_id" in data:
        cleaned["business_id"] = ""
    if "gender" in data:
        gender = str(data["gender"] or "")
        if gender and gender not in Gender.values:
            fail("gender", _("Choose one of the listed options."))
        cleaned["gender"] = gender
    if "preferred_language" in data:
        language = str(data["preferred_language"] or "")
        if language and language not in ("fi", "sv", "pl", "en"):
            fail("preferred_language", _("Choose one of the listed options."))
        cleaned["preferred_language"] = language
    if data.get("birth_year") not in (None, ""):
        try:
            year = int(data["birth_year"])
            if not 1900 <= year <= datetime.date.today().year:
                raise ValueError
            cleaned["birth_year"] = year
        except (TypeError, ValueError):
            fail("birth_year", _("Enter a year between 1900 and this year."))
    elif "birth_year" in data:
        cleaned["birth_year"] = None
    if data.get("birth_date") not in (None, ""):
        try:
            value = data["birth_date"]
            birth_date = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
            if birth_date > datetime.date.today():
                raise ValueError
            cleaned["birth_date"] = birth_date
            if cleaned.get("birth_year") is None:
                cleaned["birth_year"] = birth_date.year
        except ValueError:
            fail("birth_date", _("Enter a past date as YYYY-MM-DD."))
    elif "birth_date" in data:
        cleaned["birth_date"] = None
    if data.get("standing_discount_percent") not in (None, ""):
        try:
            percent = Decimal(str(data["standing_discount_percent"]).replace(",", "."))
            if not 0 <= percent <= 100:
                raise InvalidOperation
            cleaned["standing_discount_percent"] = percent
        except InvalidOperation:
            fail("standing_discount_percent", _("Enter a percentage from 0 to 100."))
    elif "standing_discount_percent" in data:
        cleaned["standing_discount_percent"] = None
    if "custom_fields" in data:
        cleaned["custom_fields"] = _clean_custom(organization, dict(data["custom_fields"] or {}), errors)

    if kind == ClientKind.COMPANY and "company_name" in cleaned and not cleaned["company_name"]:
        fail("company_name", _("Enter the company's name."))
    if kind == ClientKind.PERSON and ("first_name" in cleaned or "last_name" in cleaned) and not (
            cleaned.get("first_name") or cleaned.get("last_name")):
        fail("last_name", _("Enter a name."))
    for name, value in cleaned.items():
        limit = getattr(Client._meta.get_field(name), "max_length", None) if name != "custom_fields" else None
        if limit and isinstance(value, str) and len(value) > limit:
            fail(name, _("Use at most %(limit)d characters.") % {"limit": limit})
    if errors:
        raise ValidationError(errors)
    return cleaned
