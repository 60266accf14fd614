"""Normalisation of searchable values, shared by storage (indexes) and search."""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.fi import hetu
from stdnum.pl import pesel


def search_text(value: str) -> str:
    """Lower case without accents or extra spaces: 'Ääkkönen  Öljy' -> 'aakkonen oljy'.

    Polish ł has no decomposition, so it is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFKD", value.replace("ł", "l").replace("Ł", "L"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def national_id(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def validate_national_id(country: str, value: str) -> str:
    """Return the canonical henkilötunnus (FI) or PESEL (PL), or raise a translated error."""
    compact = national_id(value)
    try:
        if country == "FI":
            return hetu.validate(compact, allow_temporary=True)
        return pesel.validate(compact)
    except stdnum_errors.ValidationError:
        if country == "FI":
            raise ValidationError(_("Enter a valid Finnish personal identity code (henkilötunnus)."),
                                  code="invalid_national_id") from None
        raise ValidationError(_("Enter a valid PESEL number (11 digits)."), code="invalid_national_id") from None


PHONE_CHARACTERS = frozenset("0123456789+()-./ \t")


def phone_e164(value: str, country: str) -> str:
    """Parse a phone number as written in the organization's country and return E.164.

    Only digits and the usual separators: the parser reads letters as a keypad's (vanity numbers),
    so a mistyped "040 l23 4567" would be stored as another person's number, 040 523 4567.
    """
    if any(c.isalpha() for c in value):
        raise ValidationError(_("A phone number has only digits: check for a letter typed instead of a digit "
                                "(such as l for 1 or O for 0)."), code="letter_in_phone")
    number = None
    if value and set(value) <= PHONE_CHARACTERS:
        try:
            number = phonenumbers.parse(value, country)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. +358 40 123 4567."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search(value: str, country: str) -> str | None:
    """E.164 prefix for a partly typed number, or None if it does not look like a phone number."""
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) < 3 or any(c.isalpha() for c in value):
        return None
    if value.strip().startswith("+"):
        return "+" + digits
    if value.strip().startswith("00"):
        return "+" + digits[2:]
    code = phonenumbers.country_code_for_region(country)
    return f"+{code}{digits.lstrip('0')}"
