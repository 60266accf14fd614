"""A salon's own booking page in Chromium: its logo, cover, colours, description, address, opening hours,
services by category and staff, in Finnish and Polish, at phone and desktop widths (screenshots in
var/screenshots/50-brand-*.png); the owner's settings page in Finnish."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page, expect

from booking.models import Resource, Service
from booking.page import booking_page_update, service_category_save, service_page_update, staff_profile_update
from kernel.audit import Actor
from tests_e2e.conftest import PHONE, serious_axe_violations, shoot, sign_in
from tilli.lib.images import clean_image
from tilli.test import make_bookable

pytestmark = pytest.mark.e2e
ACTOR = Actor.system("test")
PLUM, CREAM = (110, 35, 75), (250, 240, 232)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _logo() -> bytes:
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 239, 239), radius=48, fill=PLUM)
    draw.text((120, 122), "K", fill=CREAM, font=ImageFont.load_default(size=150), anchor="mm")
    return _png(image)


def _cover() -> bytes:
    image = Image.new("RGB", (1500, 500), CREAM)
    draw = ImageDraw.Draw(image)
    for x in range(1500):  # a soft plum-to-rose gradient with a few round "lamps"
        t = x / 1499
        draw.line([(x, 0), (x, 499)], fill=(int(110 + 120 * t), int(35 + 110 * t), int(75 + 90 * t)))
    for cx, cy, r in ((260, 380, 160), (820, 120, 110), (1260, 330, 190)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 225, 215))
    return _png(image)


def _avatar(colour) -> bytes:
    image = Image.new("RGB", (400, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 70, 270, 210), fill=(240, 210, 190))
    draw.ellipse((70, 230, 330, 520), fill=(60, 60, 80))
    return _png(image)


@pytest.fixture
def salon(e2e_world):
    org = e2e_world.org
    org.name, org.default_language = "Kampaamo Kaisla", "fi"
    org.public_languages = ["fi", "sv", "pl", "en"]
    org.street_address, org.postal_code, org.city = "Hämeenkatu 12", "33100", "Tampere"
    org.save()
    _, anni, cut = make_bookable(org, e2e_world.practitioner, weekdays=range(5), hours=((9, 17),))
    _, mirja, placeholder = make_bookable(org, e2e_world.reception, weekdays=[1, 2, 3, 4, 5], hours=((10, 18),))
    placeholder.is_active = False
    placeholder.save()
    anni.name, mirja.name = "Anni Laine", "Mirja Koski"
    Resource.objects.bulk_update([anni, mirja], ["name"])
    hair = service_category_save(organization=org, actor=ACTOR, position=1,
                                 name={"fi": "Hiukset", "sv": "Hår", "pl": "Włosy", "en": "Hair"})
    nails = service_category_save(organization=org, actor=ACTOR, position=2,
                                  name={"fi": "Kynnet", "sv": "Naglar", "pl": "Paznokcie", "en": "Nails"})
    offer = [
        (cut, hair, 45, "52.00", {"fi": "Naisten hiustenleikkuu", "pl": "Strzyżenie damskie"},
         {"fi": "Pesu, leikkuu ja föönaus.", "pl": "Mycie, strzyżenie i modelowanie."}),
        (None, hair, 120, "115.00", {"fi": "Raidat ja sävytys", "pl": "Pasemka i tonowanie"},
         {"fi": "Folioraidat ja sävytys, sisältää leikkauksen.", "pl": "Pasemka na folii i tonowanie ze strzyżeniem."}),
        (None, nails, 60, "49.00", {"fi": "Geelikynnet", "pl": "Paznokcie żelowe"},
         {"fi": "Kestävät geelikynnet omille kynsille.", "pl": "Trwały manicure żelowy na naturalnej płytce."}),
    ]
    for service, category, minutes, price, names, descriptions in offer:
        if service is None:
            service = Service.objects.create(organization=org, name=names["fi"], duration_minutes=minutes,
                                             min_notice_minutes=0)
            service.staff.add(mirja if category == nails else anni)
        service.name, service.duration_minutes, service.price = names["fi"], minutes, Decimal(price)
        service.save()
        service_page_update(service=service, actor=ACTOR, category=category, names=names, descriptions=descriptions)
    booking_page_update(
        organization=org, actor=ACTOR, accent_colour="#6e234b", accent_text_colour="#ffffff",
        description={"fi": "Viihtyisä kampaamo Tampereen keskustassa. Leikkaukset, värit ja kynnet – "
                           "tervetuloa!",
                     "pl": "Przytulny salon fryzjerski w centrum Tampere. Strzyżenie, koloryzacja i paznokcie – "
                           "zapraszamy!"},
        logo=clean_image(_logo(), max_side=512, keep_transparency=True), cover=clean_image(_cover(), max_side=2000))
    staff_profile_update(resource=anni, actor=ACTOR, photo=clean_image(_avatar((200, 170, 190)), max_side=800),
                         bio={"fi": "Parturi-kampaaja, 12 vuotta leikkauksia ja värejä.",
                              "pl": "Fryzjerka z 12-letnim doświadczeniem w strzyżeniu i koloryzacji."})
    staff_profile_update(resource=mirja, actor=ACTOR, photo=clean_image(_avatar((170, 190, 200)), max_side=800),
                         bio={"fi": "Kynsiteknikko, geeli- ja akryylikynnet.",
                              "pl": "Stylistka paznokci: żel i akryl."})
    return org


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("language, texts", [
    ("fi", ["Aukioloajat", "Hiukset", "Kynnet", "Naisten hiustenleikkuu", "Henkilökuntamme", "Näytä kartalla"]),
    ("pl", ["Godziny otwarcia", "Włosy", "Paznokcie", "Strzyżenie damskie", "Nasz zespół", "Pokaż na mapie"]),
])
def test_the_salons_own_page_in_its_visitors_language(page: Page, live_server, salon, csp_violations, language,
                                                      texts):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/b/{salon.slug}/")
    expect(page.get_by_role("heading", name="Kampaamo Kaisla", level=1)).to_be_visible()
    for text in texts:
        expect(page.get_by_text(text).first).to_be_visible()
    for image in page.locator("img").all():  # logo, cover and staff photos all loaded
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), image.get_attribute("src")
    band = page.locator("header.topbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert band == "rgb(110, 35, 75)"
    assert all(url.startswith(live_server.url) for url in requests), "the page asked a third party for something"
    assert shoot(page, f"50-brand-{language}") == []
    assert serious_axe_violations(page) == []
    assert csp_violations == []
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=re.compile(texts[3])).click()
    expect(page).to_have_url(re.compile(r"/times/\?service="))


def test_the_owner_sets_up_the_page_in_finnish(page: Page, live_server, salon, e2e_world, csp_violations):
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fi", "url": live_server.url}])
    page.goto(f"{live_server.url}/o/{salon.slug}/booking-page/")
    expect(page.get_by_role("heading", name="Ajanvaraussivu", level=1)).to_be_visible()
    page.get_by_label("Tekstin väri tunnusvärin päällä").fill("#c080a0")
    page.get_by_role("button", name="Tallenna").first.click()
    expect(page.get_by_text(re.compile(r"kontrasti on \d,\d:1"))).to_be_visible()
    assert shoot(page, "51-brand-settings-fi") == []
    assert csp_violations == []
