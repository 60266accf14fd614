"""Validation of business identifiers by country, through python-stdnum."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.fi import ytunnus
from stdnum.pl import nip

BUSINESS_ID_FORMATS = {"FI": ytunnus, "PL": nip}


def normalise_business_id(country: str, value: str) -> str:
    """Return the canonical form (1234567-1, 1234567890) or raise ValidationError."""
    module = BUSINESS_ID_FORMATS.get(country)
    if module is None:
        raise ValidationError(_("Choose a country first."), code="country")
    try:
        return module.validate(value) if country == "PL" else module.format(module.validate(value))
    except stdnum_errors.ValidationError:
        if country == "FI":
            message = _("Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1.")
        else:
            message = _("Enter a valid Polish tax ID (NIP), ten digits.")
        raise ValidationError(message, code="invalid_business_id") from None
