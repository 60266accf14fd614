"""The client portal's privacy pages: sign-ins recorded and shown, a copy of everything built in
the background and downloaded, requests to the owner's queue, one-click objection and withdrawal,
and deleting the account with what the law keeps said plainly. Nothing crosses to another client
or another organization."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import zipfile

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from billing.models import Payment
from clients.models import Client, ClientSignIn, MarketingConsent, PortalLoginToken, SpecialCategoryApproval
from clients.portal import SESSION_KEY, set_portal_password
from clients.services import marketing_allowed, marketing_consent_set, special_approval_set, special_records_approved
from kernel.audit import Actor
from privacy.erasure import plan_erasure
from privacy.models import (
    DataExport,
    DataSubjectRequest,
    ErasureRecord,
    ExportStatus,
    IdentityMethod,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from privacy.requests import open_requests
from tilli.test import make_client, make_full_client

SYSTEM = Actor.system("test")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0 " + "x" * 400


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(world):
    return make_client(world.org, email="anna@example.test", phone="0401234567", preferred_language="en")


def url(name: str, organization, *args) -> str:
    return reverse(f"portal:{name}", args=[organization.slug, *args])


def signed_in_by_link(client, ip: str = "198.51.100.23") -> Browser:
    """A browser that signed in with a one-time link (made here, as the email would carry it)."""
    token = secrets.token_urlsafe(32)
    PortalLoginToken.objects.create(organization=client.organization, client=client,
                                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                    expires_at=timezone.now() + dt.timedelta(minutes=30))
    browser = Browser(REMOTE_ADDR=ip, HTTP_USER_AGENT=FIREFOX)
    browser.cookies["django_language"] = "en"
    response = browser.post(url("link", client.organization, token))
    assert response.status_code == 302 and response["Location"] == url("home", client.organization)
    return browser


def test_every_portal_sign_in_is_recorded_with_address_browser_and_method(world, anna):
    signed_in_by_link(anna, ip="198.51.100.23")
    set_portal_password(client=anna, password="kevät-aurinko-2026!", actor=SYSTEM)
    browser = Browser(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Safari")
    browser.cookies["django_language"] = "en"
    response = browser.post(url("start", world.org), {"mode": "password", "pw-email": "anna@example.test",
                                                      "pw-password": "kevät-aurinko-2026!"})
    assert response.status_code == 302
    link, password = ClientSignIn.objects.for_organization(world.org).filter(client=anna).order_by("at", "pk")
    assert (link.method, link.ip, len(link.user_agent)) == ("link", "198.51.100.23", 300)
    assert link.user_agent.startswith("Mozilla/5.0")
    assert (password.method, password.ip, password.user_agent) == ("password", "203.0.113.9", "Safari")
    html = browser.get(url("data", world.org)).content.decode()
    assert "198.51.100.23" in html and "203.0.113.9" in html and "Email link" in html and "Password" in html


def test_a_wrong_password_records_no_sign_in(world, anna):
    set_portal_password(client=anna, password="kevät-aurinko-2026!", actor=SYSTEM)
    Browser().post(url("start", world.org), {"mode": "password", "pw-email": "anna@example.test",
                                             "pw-password": "not-it-at-all-1"})
    assert not ClientSignIn.objects.filter(client=anna).exists()


@pytest.mark.django_db(transaction=True)
def test_a_client_asks_for_a_copy_watches_it_being_built_and_downloads_it(world, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    full = make_full_client(world.org, world.practitioner)
    browser = signed_in_by_link(full.client)
    assert "Ask for a copy" in browser.get(url("data", world.org)).content.decode()

    assert browser.post(url("data", world.org)).status_code == 302
    req = DataSubjectRequest.objects.get(client=full.client, kind=RequestKind.COPY)
    assert (req.channel, req.identity_method, req.status) == (RequestChannel.PORTAL, IdentityMethod.PORTAL,
                                                              RequestStatus.OPEN)
    export = DataExport.objects.get(request=req)
    assert export.requested_by_client and export.client == full.client and export.status == ExportStatus.QUEUED
    progress_url = url("export_status", world.org, export.pk)
    html = browser.get(url("data", world.org)).content.decode()
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 2s"' in html
    polled = browser.get(progress_url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "<progress" in polled.content.decode()
    assert browser.post(url("data", world.org)).status_code == 302
    assert DataExport.objects.filter(client=full.client).count() == 1  # one copy at a time

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    polled = browser.get(progress_url, headers={"HX-Request": "true"})
    download_url = url("export_download", world.org, export.pk)
    assert polled.status_code == 286  # htmx stops polling
    assert download_url in polled.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED  # answered when the copy became available
    assert 'hx-trigger' not in browser.get(url("data", world.org)).content.decode()

    response = browser.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert full.name not in response["Content-Disposition"] and full.email not in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "export.json" in archive.namelist()
    document = json.loads(archive.read("export.json"))
    assert document["subject_reference"] == str(full.client.subject_ref)
    assert DataExport.objects.get(pk=export.pk).downloads == 1


def test_over_the_yearly_limit_the_owner_decides_and_no_copy_is_built(world, anna):
    world.org.full_listings_per_year = 1
    world.org.save(update_fields=["full_listings_per_year"])
    browser = signed_in_by_link(anna)
    browser.post(url("data", world.org))
    DataExport.objects.filter(client=anna).update(status=ExportStatus.READY)
    browser.post(url("data", world.org))
    requests = DataSubjectRequest.objects.filter(client=anna, kind=RequestKind.COPY).order_by("pk")
    assert [r.limit_decision for r in requests] == ["", "pending"]
    assert DataExport.objects.filter(client=anna).count() == 1
    assert "decides on your latest request" in browser.get(url("data", world.org)).content.decode()
    browser.post(url("data", world.org))
    assert DataSubjectRequest.objects.filter(client=anna, kind=RequestKind.COPY).count() == 2  # no pile-up


def _ready_export(client, *, expires_at) -> DataExport:
    return DataExport.objects.create(organization=client.organization, client=client, requested_by_client=True,
                                     status=ExportStatus.READY, progress=100, expires_at=expires_at,
                                     file_name="missing.zip.sealed")


def test_an_expired_copy_says_so_plainly(world, anna):
    export = _ready_export(anna, expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = signed_in_by_link(anna).get(url("export_download", world.org, export.pk))
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()


def test_a_client_cannot_reach_another_clients_copy(world, anna):
    other = make_client(world.org, first_name="Olli", email="olli@example.test")
    export = _ready_export(other, expires_at=timezone.now() + dt.timedelta(days=1))
    staff_copy = DataExport.objects.create(organization=world.org, client=anna, requested_by_user_id=1)
    browser = signed_in_by_link(anna)
    for target in (export, staff_copy):
        assert browser.get(url("export_download", world.org, target.pk)).status_code == 404
        assert browser.get(url("export_status", world.org, target.pk)).status_code == 404
    assert DataExport.objects.get(pk=export.pk).downloads == 0


def test_a_client_of_another_organization_reaches_nothing(world, anna):
    export = _ready_export(anna, expires_at=timezone.now() + dt.timedelta(days=1))
    stranger = make_client(world.other_org, first_name="Anna", last_name="Obca", email="anna@example.test")
    browser = signed_in_by_link(stranger)
    start = url("start", world.org)
    for name, args in (("data", ()), ("requests", ()), ("marketing", ()), ("delete", ()),
                       ("export_status", (export.pk,)), ("export_download", (export.pk,))):
        response = browser.get(url(name, world.org, *args))
        assert response.status_code == 302 and response["Location"] == start, name
    for name in ("data", "requests", "marketing_objection", "special_approval", "delete"):
        response = browser.post(url(name, world.org), {"kind": "restriction", "details": "x", "confirm": "on"})
        assert response.status_code == 302 and response["Location"] == start, name
    assert not DataSubjectRequest.objects.filter(organization=world.org).exists()
    assert Client.objects.for_organization(world.org).filter(pk=anna.pk).exists()
    # and their own organization's copy list does not show the other organization's export
    assert browser.get(url("export_download", world.other_org, export.pk)).status_code == 404


def test_a_client_sends_a_request_that_reaches_the_owners_queue(world, anna):
    browser = signed_in_by_link(anna)
    missing = browser.post(url("requests", world.org), {"kind": "rectification", "details": " "})
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    response = browser.post(url("requests", world.org), {"kind": "rectification",
                                                         "details": "My birth year is 1980, not 1908."})
    assert response.status_code == 302
    req = open_requests(world.org).get()
    assert (req.client, req.kind, req.channel) == (anna, RequestKind.RECTIFICATION, RequestChannel.PORTAL)
    assert req.identity_verified_at is not None
    html = browser.get(url("requests", world.org)).content.decode()
    assert "Correct information about me" in html and "Waiting for an answer" in html
    assert req.due_at.strftime("%Y") in html
    assert browser.post(url("requests", world.org), {"kind": "erasure", "details": "x"}).status_code == 200
    assert DataSubjectRequest.objects.count() == 1  # only the listed kinds; erasure has its own page


def test_one_click_objection_stops_marketing_on_every_channel(world, anna):
    for channel in ("email", "sms"):
        marketing_consent_set(client=anna, channel=channel, granted=True, source="staff", actor=SYSTEM)
    browser = signed_in_by_link(anna)
    assert "No direct marketing at all" in browser.get(url("marketing", world.org)).content.decode()
    assert browser.post(url("marketing_objection", world.org)).status_code == 302
    anna.refresh_from_db()
    assert anna.marketing_objection_at is not None
    assert not marketing_allowed(anna, "email") and not marketing_allowed(anna, "sms")
    assert set(MarketingConsent.objects.filter(client=anna, granted=False).values_list("source", flat=True)) == {
        "portal"}
    assert browser.get(url("marketing", world.org)).status_code == 200


def test_marketing_choices_on_the_permissions_page_come_back_to_it(world, anna):
    browser = signed_in_by_link(anna)
    response = browser.post(url("marketing", world.org), {"channel": "sms", "granted": "1", "next": "consents"})
    assert response["Location"] == url("marketing", world.org) and marketing_allowed(anna, "sms")
    response = browser.post(url("marketing", world.org), {"channel": "sms", "granted": "0",
                                                          "next": "https://evil.example/"})
    assert response["Location"] == url("home", world.org) and not marketing_allowed(anna, "sms")


def test_withdrawing_the_sensitive_data_approval_is_one_click_like_giving_it(world, anna):
    special_approval_set(client=anna, granted=True, source="staff", actor=SYSTEM)
    browser = signed_in_by_link(anna)
    assert "Withdraw my approval" in browser.get(url("marketing", world.org)).content.decode()
    browser.post(url("special_approval", world.org), {"granted": "0"})
    assert not special_records_approved(anna)
    assert SpecialCategoryApproval.objects.filter(client=anna).order_by("-pk")[0].source == "portal"
    browser.post(url("special_approval", world.org), {"granted": "1"})
    assert special_records_approved(anna)


def test_delete_my_account_says_what_goes_and_what_the_law_keeps(world):
    full = make_full_client(world.org, world.practitioner)
    html = signed_in_by_link(full.client).get(url("delete", world.org)).content.decode()
    assert "Your visits" in html and "Health and other sensitive entries" in html
    receipts = next(i for i in plan_erasure(full.client).items if i.label == "billing.Payment")
    with translation.override("en"):
        until = date_format(receipts.keep_until, "DATE_FORMAT")
    assert "Receipts of your payments" in html and f"kept until {until}" in html and "Accounting Act" in html
    assert 'type="checkbox" name="confirm"' in html


def test_delete_my_account_erases_the_client_keeps_the_receipts_and_ends_the_session(world):
    full = make_full_client(world.org, world.practitioner)
    payments = Payment.objects.for_organization(world.org).count()
    browser = signed_in_by_link(full.client)
    unconfirmed = browser.post(url("delete", world.org), {})
    assert unconfirmed.status_code == 200 and "Tick the box" in unconfirmed.content.decode()
    assert Client.objects.for_organization(world.org).filter(pk=full.client.pk).exists()

    response = browser.post(url("delete", world.org), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("goodbye", world.org)
    assert not Client.objects.for_organization(world.org).filter(pk=full.client.pk).exists()
    assert Payment.objects.for_organization(world.org).count() == payments
    req = DataSubjectRequest.objects.get(kind=RequestKind.ERASURE)
    assert (req.channel, req.status, req.client) == (RequestChannel.PORTAL, RequestStatus.COMPLETED, None)
    assert ErasureRecord.objects.get(subject_ref=full.client.subject_ref).request == req
    assert SESSION_KEY not in browser.session
    assert browser.get(url("home", world.org))["Location"] == url("start", world.org)
    assert "was deleted" in browser.get(url("goodbye", world.org)).content.decode()


def test_deleting_the_account_needs_a_fresh_sign_in(world, anna):
    browser = signed_in_by_link(anna)
    session = browser.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "at": int(timezone.now().timestamp()) - 3600}
    session.save()
    assert "Please sign in again" in browser.get(url("delete", world.org)).content.decode()
    browser.post(url("delete", world.org), {"confirm": "on"})
    assert Client.objects.for_organization(world.org).filter(pk=anna.pk).exists()
