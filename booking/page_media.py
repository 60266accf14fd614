"""Where the booking page's pictures are kept: under MEDIA_ROOT, one folder per organization.

Names are random (`booking-page/<organization id>/<kind>-<random>.<ext>`), but that is not what keeps
one business from reading another's files: the public view serves only a name that one of the
organization's own rows holds (`booking.showcase.media_names`).
"""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tenancy.models import Organization
from tilli.lib.images import CleanImage

FOLDER = "booking-page"


def store(organization: Organization, picture: CleanImage, kind: str) -> str:
    name = f"{FOLDER}/{organization.pk}/{kind}-{uuid.uuid4().hex}.{picture.extension}"
    return default_storage.save(name, ContentFile(picture.content))


def discard(name: str) -> None:
    """Remove a picture no row refers to any more (after the change that replaced it committed)."""
    if name:
        default_storage.delete(name)


def content_type(name: str) -> str:
    return "image/png" if name.endswith(".png") else "image/jpeg"
