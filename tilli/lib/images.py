"""Pictures people upload (a logo, a cover, a staff photo), made safe to show to anyone.

An upload is never stored as sent: Pillow must recognise it as a JPEG, PNG or WebP within a size
and pixel limit (a decompression bomb is refused before it is decoded), and it is re-encoded from
its pixels, which drops EXIF and every other metadata block (a phone photo's GPS position, the
camera's serial number) and anything hidden after the image data. (WeasyPrint, imported for the PDFs, sets
Pillow's LOAD_TRUNCATED_IMAGES for the whole process, so a cut-off file may load with its missing part
blank; it is re-encoded like any other, so nothing of it but pixels is ever stored.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str  # "png" or "jpg"
    width: int
    height: int


def check_upload_size(size: int) -> None:
    """Refuse before reading: an upload's declared size is checked first, its bytes again in clean_image."""
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The picture is too large: at most %(megabytes)s MB.")
                              % {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large")


def clean_image(data: bytes, *, max_side: int, keep_transparency: bool = False) -> CleanImage:
    """The picture re-encoded at most `max_side` pixels on its longer side, or a translated refusal."""
    check_upload_size(len(data))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in ACCEPTED_FORMATS:
                raise ValidationError(_("Upload the picture as a JPEG, PNG or WebP file."), code="format")
            if width * height > MAX_SOURCE_PIXELS:
                raise ValidationError(_("The picture has too many pixels: at most 40 megapixels."),
                                      code="too_many_pixels")
            probe.load()
            picture = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("Upload the picture as a JPEG, PNG or WebP file."), code="format") from None
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if keep_transparency:
        picture = picture.convert("RGBA")
        picture.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        picture = picture.convert("RGB")
        picture.save(out, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return CleanImage(out.getvalue(), extension, picture.width, picture.height)
