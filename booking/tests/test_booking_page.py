"""The booking page's settings as services: contrast, origin and translations checked, pictures re-encoded and
kept per organization, one audit row per change, and the visitor's language with its fallback."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from booking.models import BookingPage, ServiceCategory
from booking.page import booking_page_update, service_category_save, service_page_update, staff_profile_update
from booking.showcase import booking_page_saved, media_names, opening_hours, sections
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.lib.contrast import check_text_contrast, contrast_ratio
from tilli.lib.images import clean_image
from tilli.test import make_bookable

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(width=40, height=20, colour=(200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (60.0, 10.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- contrast (WCAG 2.2 relative luminance) -------------------------------------------------------------

def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#ffffff", "#767676") == contrast_ratio("#767676", "#ffffff")


def test_a_pair_below_four_and_a_half_is_refused_with_its_ratio():
    check_text_contrast("#767676", "#ffffff")
    with pytest.raises(ValidationError) as refusal:
        check_text_contrast("#777777", "#ffffff")
    assert "4.5:1" in refusal.value.messages[0] and "4.5" in refusal.value.messages[0]


def test_saving_unreadable_colours_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as refusal:
        booking_page_update(organization=world.org, actor=ACTOR, accent_colour="#ffdd00", accent_text_colour="#ffffff")
    assert "accent_text_colour" in refusal.value.message_dict
    assert not BookingPage.objects.filter(organization=world.org).exists()


def test_a_colour_must_be_six_hex_digits(world):
    with pytest.raises(ValidationError) as refusal:
        booking_page_update(organization=world.org, actor=ACTOR, accent_colour="red; background:url(x)")
    assert "accent_colour" in refusal.value.message_dict


# --- embedding origin ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("https://WWW.Salon-Kaisla.fi/", "https://www.salon-kaisla.fi"),
    ("https://salon.fi:8443", "https://salon.fi:8443"),
    ("http://localhost:8001", "http://localhost:8001"),
    ("", ""),
])
def test_the_embedding_origin_is_normalised(world, typed, stored):
    booking_page_update(organization=world.org, actor=ACTOR, embed_origin=typed)
    assert BookingPage.objects.get(organization=world.org).embed_origin == stored


@pytest.mark.parametrize("typed", ["http://salon.fi", "https://salon.fi/booking", "https://*.salon.fi",
                                   "https://salon.fi 'unsafe-inline'", "javascript:alert(1)", "salon.fi",
                                   "https://salon.fi;script-src *", "https://user@salon.fi"])
def test_anything_but_an_https_origin_is_refused(world, typed):
    with pytest.raises(ValidationError) as refusal:
        booking_page_update(organization=world.org, actor=ACTOR, embed_origin=typed)
    assert "embed_origin" in refusal.value.message_dict


# --- pictures --------------------------------------------------------------------------------------------

def test_a_picture_is_re_encoded_without_its_metadata():
    cleaned = clean_image(jpeg_with_gps(), max_side=800)
    with Image.open(io.BytesIO(cleaned.content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
    assert b"PhoneMaker" not in cleaned.content


def test_a_large_picture_is_scaled_down_and_a_logo_keeps_its_transparency():
    cleaned = clean_image(png(3000, 1000, (0, 0, 0, 0)), max_side=512, keep_transparency=True)
    assert (cleaned.width, cleaned.height, cleaned.extension) == (512, 171, "png")
    with Image.open(io.BytesIO(cleaned.content)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("data", [b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a" + b"\0" * 40,
                                  b"%PDF-1.7", b"<html><script>alert(1)</script></html>"])
def test_what_is_not_a_jpeg_png_or_webp_is_refused(data):
    with pytest.raises(ValidationError) as refusal:
        clean_image(data, max_side=100)
    assert refusal.value.code == "format"


def test_a_gif_is_refused_even_though_pillow_reads_it():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ValidationError):
        clean_image(out.getvalue(), max_side=100)


def test_too_many_bytes_and_too_many_pixels_are_refused():
    with pytest.raises(ValidationError) as size:
        clean_image(b"\xff" * (5 * 1024 * 1024 + 1), max_side=100)
    assert size.value.code == "too_large"
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, format="PNG")  # 49 megapixels, a few kilobytes
    with pytest.raises(ValidationError) as pixels:
        clean_image(out.getvalue(), max_side=100)
    assert pixels.value.code == "too_many_pixels"


def test_pictures_are_stored_per_organization_and_a_replaced_one_is_removed(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking_page_update(organization=world.org, actor=ACTOR, logo=clean_image(png(), max_side=512))
    first = BookingPage.objects.get(organization=world.org).logo
    assert first.startswith(f"booking-page/{world.org.pk}/logo-") and default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        booking_page_update(organization=world.org, actor=ACTOR, logo=clean_image(png(30, 30), max_side=512))
    second = BookingPage.objects.get(organization=world.org).logo
    assert second != first and default_storage.exists(second) and not default_storage.exists(first)
    assert media_names(world.org) == {second}
    assert media_names(world.other_org) == set()


# --- audit and the checklist's mark ---------------------------------------------------------------------------

def test_each_save_writes_one_audit_row_naming_the_changed_fields(world):
    booking_page_update(organization=world.org, actor=ACTOR, accent_colour="#123456")
    booking_page_update(organization=world.org, actor=ACTOR, accent_colour="#123456",
                        description={"fi": "Kampaamo Tampereella"})
    events = list(AuditEvent.objects.for_organization(world.org).filter(object_type="booking.bookingpage")
                  .order_by("seq"))
    assert [(e.action, e.changed_fields) for e in events] == [("create", ["accent_colour"]),
                                                                ("update", ["description"])]
    assert booking_page_saved(world.org) and not booking_page_saved(world.other_org)


def test_a_description_in_a_language_the_page_does_not_offer_is_refused(world):
    world.org.public_languages = ["fi", "en"]
    world.org.save()
    with pytest.raises(ValidationError):
        booking_page_update(organization=world.org, actor=ACTOR, description={"pl": "Salon"})


# --- services in the visitor's language -----------------------------------------------------------------------

def test_services_are_grouped_and_named_in_the_visitors_language_with_fallbacks(world):
    world.org.default_language = "fi"
    world.org.save()
    _, _, cut = make_bookable(world.org, world.practitioner)
    colour = type(cut).objects.create(organization=world.org, name="Colour", duration_minutes=90)
    hair = service_category_save(organization=world.org, actor=ACTOR, name={"fi": "Hiukset", "pl": "Włosy"})
    service_page_update(service=cut, actor=ACTOR, category=hair, names={"fi": "Hiustenleikkuu", "pl": "Strzyżenie"},
                        descriptions={"fi": "Pesu ja leikkuu"})
    polish = sections(world.org, [cut, colour], "pl")
    assert [(s.title, [(x.name, x.description) for x in s.services]) for s in polish] == [
        ("Włosy", [("Strzyżenie", "Pesu ja leikkuu")]),  # no Polish description: the default language's
        ("", [("Colour", "")]),  # no translation at all: the panel's name
    ]
    swedish = sections(world.org, [cut], "sv")
    assert swedish[0].title == "Hiukset" and swedish[0].services[0].name == "Hiustenleikkuu"


def test_a_category_needs_a_name_in_the_default_language(world):
    world.org.default_language = "fi"
    world.org.save()
    with pytest.raises(ValidationError):
        service_category_save(organization=world.org, actor=ACTOR, name={"sv": "Hår"})
    assert not ServiceCategory.objects.exists()


def test_a_service_cannot_be_put_in_another_organizations_category(world):
    _, _, service = make_bookable(world.org, world.practitioner)
    theirs = service_category_save(organization=world.other_org, actor=ACTOR, name={"pl": "Paznokcie"})
    with pytest.raises(ValidationError):
        service_page_update(service=service, actor=ACTOR, category=theirs, names={}, descriptions={})
    service.refresh_from_db()
    assert service.category is None


def test_a_staff_profile_keeps_its_photo_and_bio_and_opening_hours_follow_the_staff_hours(world):
    _, resource, _ = make_bookable(world.org, world.practitioner, weekdays=[0, 1], hours=((9, 12), (13, 18)))
    changed = staff_profile_update(resource=resource, actor=ACTOR, bio={"fi": "Parturi 10 vuoden kokemuksella"},
                                   photo=clean_image(jpeg_with_gps(), max_side=800))
    resource.refresh_from_db()
    assert changed == ["bio", "photo"] and resource.photo in media_names(world.org)
    days = opening_hours(world.org, dt.date.today())
    assert (days[0].opens, days[0].closes) == (dt.time(9), dt.time(18))
    assert days[2].opens is None
