"""The owner's booking page settings and what visitors get: the business's face in their language, its
pictures served only for it, its colours as a stylesheet, and a framing policy that follows the owner's site."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from booking.models import BookingPage, Resource
from booking.page import booking_page_update, service_category_save, service_page_update, staff_profile_update
from booking.selectors import free_slots
from booking.services import appointment_book
from kernel.audit import Actor
from notify.rendering import message_values
from tilli.lib.images import clean_image
from tilli.test import make_bookable, make_client

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def picture(kind="PNG", size=(60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, format=kind)
    return out.getvalue()


def visitor(language: str = "en") -> Browser:
    browser = Browser()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def page_url(org, name="web:booking_page", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


# --- the owner's page --------------------------------------------------------------------------------------

def test_the_owner_saves_colours_description_and_pictures(world, client_for):
    world.org.public_languages = ["fi", "sv"]
    world.org.default_language = "fi"
    world.org.save()
    owner = client_for(world.owner)
    response = owner.post(page_url(world.org), {
        "accent_colour": "#7a1f4b", "accent_text_colour": "#ffffff", "embed_origin": "https://www.aurora.fi/",
        "description__fi": "Kampaamo keskustassa", "description__sv": "Frisör i centrum",
        "logo": SimpleUploadedFile("logo.png", picture(), "image/png"),
        "cover": SimpleUploadedFile("cover.jpg", picture("JPEG", (1200, 400)), "image/jpeg")})
    assert response.status_code == 302
    page = BookingPage.objects.get(organization=world.org)
    assert (page.accent_colour, page.embed_origin) == ("#7a1f4b", "https://www.aurora.fi")
    assert page.description == {"fi": "Kampaamo keskustassa", "sv": "Frisör i centrum"}
    assert page.logo.endswith(".png") and page.cover.endswith(".jpg")


def test_unreadable_colours_and_a_fake_picture_keep_what_was_typed_with_translated_errors(world, client_for):
    owner = client_for(world.owner)
    owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    response = owner.post(page_url(world.org), {
        "accent_colour": "#ffee00", "accent_text_colour": "#ffffff", "embed_origin": "",
        "description__fi": "Tervetuloa", "logo": SimpleUploadedFile("logo.png", b"<svg/>", "image/png")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tervetuloa" in html and "#ffee00" in html
    assert "Lataa kuva JPEG-, PNG- tai WebP-tiedostona." in html
    assert not BookingPage.objects.filter(organization=world.org).exists()
    response = owner.post(page_url(world.org), {"accent_colour": "#ffee00", "accent_text_colour": "#ffffff",
                                                "embed_origin": "", "description__fi": "Tervetuloa"})
    assert "kontrasti on 1,2:1" in response.content.decode()


@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant"])
def test_only_the_owner_reaches_the_booking_page_settings(world, client_for, role):
    _, resource, service = make_bookable(world.org, world.practitioner)
    category = service_category_save(organization=world.org, actor=ACTOR, name={"fi": "Hiukset", "en": "Hair"})
    browser = client_for(world.member(role))
    for url in (page_url(world.org), page_url(world.org, "web:booking_page_category_new"),
                page_url(world.org, "web:booking_page_category", category_id=category.pk),
                page_url(world.org, "web:booking_page_service", service_id=service.pk),
                page_url(world.org, "web:booking_page_staff", resource_id=resource.pk)):
        assert browser.get(url).status_code == 404
        assert browser.post(url, {"accent_colour": "#000000", "delete": "1"}).status_code == 404
    assert not BookingPage.objects.exists()


def test_an_owner_cannot_edit_another_organizations_category_service_or_staff(world, client_for):
    _, resource, service = make_bookable(world.org, world.practitioner)
    category = service_category_save(organization=world.org, actor=ACTOR, name={"fi": "Hiukset", "en": "Hair"})
    outsider = client_for(world.outsider)
    for name, kwargs in (("web:booking_page_category", {"category_id": category.pk}),
                         ("web:booking_page_service", {"service_id": service.pk}),
                         ("web:booking_page_staff", {"resource_id": resource.pk})):
        url = page_url(world.other_org, name, **kwargs)
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"name__pl": "Cudze", "delete": "1", "position": "1"}).status_code == 404
    category.refresh_from_db()
    assert category.name == {"fi": "Hiukset", "en": "Hair"}


def test_a_staff_photo_needs_the_persons_consent(world, client_for):
    _, resource, _ = make_bookable(world.org, world.practitioner)
    owner = client_for(world.owner)
    url = page_url(world.org, "web:booking_page_staff", resource_id=resource.pk)
    photo = SimpleUploadedFile("me.jpg", picture("JPEG"), "image/jpeg")
    assert owner.post(url, {"photo": photo, "bio__en": "Ten years of colour"}).status_code == 200
    resource.refresh_from_db()
    assert resource.photo == "" and resource.bio == {}
    photo.seek(0)
    assert owner.post(url, {"photo": photo, "bio__en": "Ten years of colour", "consent": "on"}).status_code == 302
    resource.refresh_from_db()
    assert resource.photo and resource.bio == {"en": "Ten years of colour"}


# --- the public page -----------------------------------------------------------------------------------------

def _branded_salon(world):
    world.org.default_language = "fi"
    world.org.public_languages = ["fi", "sv", "pl", "en"]
    world.org.street_address, world.org.postal_code, world.org.city = "Hämeenkatu 1", "33100", "Tampere"
    world.org.save()
    _, resource, service = make_bookable(world.org, world.practitioner, price="45.00")
    category = service_category_save(organization=world.org, actor=ACTOR, name={"fi": "Hiukset", "pl": "Włosy"})
    service_page_update(service=service, actor=ACTOR, category=category,
                        names={"fi": "Hiustenleikkuu", "pl": "Strzyżenie"},
                        descriptions={"fi": "Pesu, leikkuu ja muotoilu."})
    booking_page_update(organization=world.org, actor=ACTOR, description={"fi": "Kampaamo Tampereen keskustassa."},
                        logo=clean_image(picture(), max_side=512, keep_transparency=True))
    staff_profile_update(resource=resource, actor=ACTOR, bio={"pl": "Fryzjerka z pasją"},
                         photo=clean_image(picture("JPEG"), max_side=800))
    return resource, service


def test_the_public_page_speaks_polish_and_falls_back_to_finnish(world):
    _branded_salon(world)
    html = visitor("pl").get(reverse("public_booking:services", args=[world.org.slug])).content.decode()
    assert "Włosy" in html and "Strzyżenie" in html
    assert "Pesu, leikkuu ja muotoilu." in html  # no Polish description: the default language's
    assert "Kampaamo Tampereen keskustassa." in html and "Fryzjerka z pasją" in html
    assert "Godziny otwarcia" in html and "Hämeenkatu 1" in html
    assert 'href="https://www.openstreetmap.org/search?query=H%C3%A4meenkatu%201%2C%2033100%20Tampere"' in html
    assert "<iframe" not in html and "tile.openstreetmap" not in html
    finnish = visitor("fi").get(reverse("public_booking:services", args=[world.org.slug])).content.decode()
    assert "Hiustenleikkuu" in finnish and "Fryzjerka z pasją" not in finnish  # a bio only in Polish


def test_customer_pages_carry_the_logo_and_the_brand_stylesheet(world):
    _branded_salon(world)
    page = BookingPage.objects.get(organization=world.org)
    for url in (reverse("public_booking:services", args=[world.org.slug]),
                reverse("portal:start", kwargs={"portal_slug": world.org.slug})):
        html = visitor().get(url).content.decode()
        assert reverse("public_booking:media", args=[world.org.slug, page.logo]) in html
        assert reverse("public_booking:brand_css", args=[world.org.slug]) in html


def test_the_brand_stylesheet_holds_only_the_checked_colours(world):
    booking_page_update(organization=world.org, actor=ACTOR, accent_colour="#FFD400", accent_text_colour="#1A1A1A")
    response = visitor().get(reverse("public_booking:brand_css", args=[world.org.slug]))
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert "--accent: #ffd400;" in css and "--accent-ink: #1a1a1a;" in css
    assert "--brand-link: #1a1a1a;" in css  # yellow links would be unreadable on white


def test_pictures_are_served_only_for_their_own_organization(world):
    _branded_salon(world)
    logo = BookingPage.objects.get(organization=world.org).logo
    photo = Resource.objects.get(membership=world.practitioner).photo
    browser = visitor()
    own = browser.get(reverse("public_booking:media", args=[world.org.slug, logo]))
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    assert "no-store" in own["Cache-Control"]  # a staff photo is personal data: no cache keeps a removed one
    assert browser.get(reverse("public_booking:media", args=[world.org.slug, photo])).status_code == 200
    for name in (logo, photo):
        assert browser.get(reverse("public_booking:media", args=[world.other_org.slug, name])).status_code == 404
    for name in ("../../tilli.env", f"booking-page/{world.org.pk}/../../x", "booking-page/1/logo-0.png"):
        assert browser.get(reverse("public_booking:media", args=[world.org.slug, name])).status_code == 404


# --- framing ------------------------------------------------------------------------------------------------

def _frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def test_the_booking_page_may_not_be_framed_unless_the_owner_names_a_site(world):
    make_bookable(world.org, world.practitioner)
    response = visitor().get(reverse("public_booking:services", args=[world.org.slug]))
    assert _frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_the_owners_site_may_frame_the_booking_steps_but_not_the_manage_pages(world):
    _, _, service = make_bookable(world.org, world.practitioner)
    booking_page_update(organization=world.org, actor=ACTOR, embed_origin="https://www.aurora.fi")
    browser = visitor()
    for url in (reverse("public_booking:services", args=[world.org.slug]),
                reverse("public_booking:staff", args=[world.org.slug]) + f"?service={service.pk}",
                reverse("public_booking:contact", args=[world.org.slug])):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert _frame_ancestors(response) == "frame-ancestors https://www.aurora.fi"
        assert "X-Frame-Options" not in response
        assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]  # the rest of the policy stays
    manage = browser.get(reverse("public_booking:manage", args=[world.org.slug, "not-a-token"]))
    assert _frame_ancestors(manage) == "frame-ancestors 'none'"
    other = browser.get(reverse("public_booking:services", args=[world.other_org.slug]))
    assert _frame_ancestors(other) == "frame-ancestors 'none'"


def test_booking_messages_and_steps_name_the_service_in_the_customers_language(world):
    resource, service = _branded_salon(world)
    day = timezone.localdate() + dt.timedelta(days=1)
    start = free_slots(service, day, day + dt.timedelta(days=7), staff=resource)[0].start
    appointment = appointment_book(service=service, start=start, client=make_client(world.org), channel="staff",
                                   actor=ACTOR, staff=resource)
    context = {"appointment": appointment, "client": appointment.client, "organization": world.org,
               "start": appointment.start, "end": appointment.end, "deadline": appointment.start,
               "changeable": True, "time_zone": world.org.time_zone}
    with translation.override("pl"):
        assert message_values(context)["service"] == "Strzyżenie"
    with translation.override("sv"):
        assert message_values(context)["service"] == "Hiustenleikkuu"  # no Swedish name: the default language's
    html = visitor("pl").get(reverse("public_booking:staff", args=[world.org.slug]) + f"?service={service.pk}")
    assert "Strzyżenie" in html.content.decode()
