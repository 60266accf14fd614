"""Colour contrast as WCAG 2.2 defines it, so a business's own colours stay readable.

The booking page puts the business's text colour on its brand colour (the header band and the buttons):
WCAG 1.4.3 asks at least 4.5:1 for normal text, and that is the limit a pair must pass to be saved.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MINIMUM_TEXT_CONTRAST = 4.5


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(_("Give the colour as # and six hexadecimal digits, for example #1f6f5c."),
                              code="colour")


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (the same colour) to 21 (black on white), whichever of the two is lighter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_text_contrast(background: str, text: str) -> None:
    """Refuse a pair whose text would be hard to read, naming the ratio and the limit."""
    ratio = contrast_ratio(background, text)
    if ratio < MINIMUM_TEXT_CONTRAST:
        raise ValidationError(
            _("The text colour is too hard to read on the brand colour: the contrast is %(ratio)s:1, at least "
              "%(minimum)s:1 is needed. Choose a darker or a lighter colour.")
            % {"ratio": number_format(ratio, 1), "minimum": number_format(MINIMUM_TEXT_CONTRAST, 1)}, code="contrast")
