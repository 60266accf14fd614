"""The privacy-document pages: the public notice and its versions, publishing after a change with the
diff shown first, the record's downloads, the processing agreement and its signed copy, and who may
open any of it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from privacy.documents import publish_notice
from privacy.models import AgreementStatus, OrganizationRecipient, ProcessingAgreement
from web.tests.privacy_helpers import SYSTEM, english, url

PDF = b"%PDF-1.7\n% both signatures\n" + b"1" * 300 + b"\n%%EOF\n"


@pytest.fixture
def operator(settings, tmp_path):
    settings.OPERATOR_NAME = "Tilli Palvelut Oy"
    settings.OPERATOR_BUSINESS_ID = "1234567-8"
    settings.OPERATOR_ADDRESS = "Hämeenkatu 1, 33100 Tampere"
    settings.OPERATOR_EMAIL = "tietosuoja@tilli.example"
    settings.DOCUMENT_DIR = tmp_path


def notice_url(world, version: int | None = None) -> str:
    if version is None:
        return reverse("public_booking:privacy_notice", kwargs={"booking_slug": world.org.slug})
    return reverse("public_booking:privacy_notice_version", kwargs={"booking_slug": world.org.slug,
                                                                    "version": version})


@pytest.mark.django_db
def test_a_notice_never_published_gives_a_friendly_not_found_page(world):
    response = english(Client()).get(notice_url(world))
    assert response.status_code == 404 and "has not published its privacy notice" in response.content.decode()


@pytest.mark.django_db
def test_anyone_reads_the_published_notice_in_the_language_they_chose_and_downloads_it(world):
    publish_notice(organization=world.org, actor=SYSTEM)
    visitor = english(Client())
    html = visitor.get(notice_url(world)).content.decode()
    assert "Privacy notice: Salon Aurora" in html and "Version 1, last updated" in html
    assert "Tietosuojavaltuutetun toimisto" in html
    response = visitor.get(reverse("public_booking:privacy_notice_pdf",
                                   kwargs={"booking_slug": world.org.slug, "version": 1}))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert visitor.get(notice_url(world, 7)).status_code == 404
    booking_page = visitor.get(reverse("public_booking:services", kwargs={"booking_slug": world.org.slug}))
    portal_start = visitor.get(reverse("portal:start", kwargs={"portal_slug": world.org.slug}))
    for page in (booking_page, portal_start):
        assert f'href="{notice_url(world)}"' in page.content.decode()


@pytest.mark.django_db
def test_a_new_recipient_makes_the_notice_stale_the_owner_sees_the_diff_and_publishes_version_2(world, client_for):
    publish_notice(organization=world.org, actor=SYSTEM)
    owner = english(client_for(world.owner))
    page = owner.get(url(world, "web:documents")).content.decode()
    assert "Up to date" in page and "has changed since" not in page

    OrganizationRecipient.objects.create(organization=world.org, name="Tilitoimisto Numero Oy",
                                         purpose="bookkeeping", country="FI", data_categories="receipts")
    page = owner.get(url(world, "web:documents")).content.decode()
    assert "The system has changed since the notice was published." in page
    assert '<span class="added">+• Tilitoimisto Numero Oy (Suomi): bookkeeping' in page  # the notice's language

    response = owner.post(url(world, "web:documents"), {"action": "publish"})
    assert response.status_code == 302
    first, second = (owner.get(notice_url(world, v)).content.decode() for v in (1, 2))
    assert "Tilitoimisto Numero Oy" not in first and "an earlier version (1)" in first
    assert "Tilitoimisto Numero Oy" in second and "Version 2, last updated" in second
    assert "Tilitoimisto Numero Oy" in owner.get(notice_url(world)).content.decode()
    assert "Up to date" in owner.get(url(world, "web:documents")).content.decode()


@pytest.mark.django_db
def test_the_record_opens_as_a_page_a_pdf_and_a_csv_for_excel(world, client_for):
    owner = english(client_for(world.owner))
    assert "Seloste käsittelytoimista: Salon Aurora" in owner.get(
        url(world, "web:documents_record")).content.decode()
    pdf = owner.get(url(world, "web:documents_record_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = owner.get(url(world, "web:documents_record_csv"))
    assert csv["Content-Type"].startswith("text/csv") and csv.content.startswith(b"\xef\xbb\xbf(a)")


@pytest.mark.django_db
def test_without_operator_settings_the_agreement_page_names_them_instead_of_a_pdf(world, client_for, settings):
    settings.OPERATOR_NAME = ""
    owner = english(client_for(world.owner))
    page = owner.get(url(world, "web:documents_agreement")).content.decode()
    assert "OPERATOR_NAME, OPERATOR_BUSINESS_ID, OPERATOR_ADDRESS, OPERATOR_EMAIL" in page
    assert owner.post(url(world, "web:documents_agreement"), {"action": "generate"}).status_code == 404
    assert owner.get(url(world, "web:documents_agreement_pdf")).status_code == 404


@pytest.mark.django_db
def test_the_owner_draws_up_downloads_and_uploads_the_signed_agreement(world, client_for, operator, tmp_path):
    owner = english(client_for(world.owner))
    dashboard = owner.get(url(world, "web:dashboard")).content.decode()
    page_url = url(world, "web:documents_agreement")
    assert "Not drawn up" in dashboard and f'href="{page_url}">Draw up the agreement</a>' in dashboard
    page = owner.get(page_url).content.decode()
    assert 'name="action" value="generate"' in page and "Draw up the agreement</button>" in page
    owner.post(page_url, {"action": "generate"})
    agreement = ProcessingAgreement.objects.get(organization=world.org)
    pdf = owner.get(url(world, "web:documents_agreement_pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    exe = SimpleUploadedFile("signed.pdf", b"MZ\x90\x00\x03" + b"\x00" * 500, content_type="application/pdf")
    response = owner.post(url(world, "web:documents_agreement"), {"action": "upload", "signed_copy": exe})
    assert response.status_code == 400 and "PDF, PNG or JPEG" in response.content.decode()
    huge = SimpleUploadedFile("signed.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = owner.post(url(world, "web:documents_agreement"), {"action": "upload", "signed_copy": huge})
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    assert not any(tmp_path.rglob("*.sealed"))

    good = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    assert owner.post(url(world, "web:documents_agreement"),
                      {"action": "upload", "signed_copy": good}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    [sealed] = tmp_path.rglob("*.sealed")
    assert b"both signatures" not in sealed.read_bytes()
    download = owner.get(url(world, "web:documents_agreement_signed"))
    assert download.content == PDF and download["Content-Type"] == "application/pdf"
    assert "Version 1 signed" in owner.get(url(world, "web:dashboard")).content.decode()


DOCUMENT_PAGES = ["web:documents", "web:documents_preview", "web:documents_record", "web:documents_record_pdf",
                  "web:documents_record_csv", "web:documents_agreement", "web:documents_agreement_pdf",
                  "web:documents_agreement_signed"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant", "outsider"])
def test_only_the_owner_opens_the_documents(world, client_for, operator, role):
    publish_notice(organization=world.org, actor=SYSTEM)
    member = client_for(world.member(role))
    for name in DOCUMENT_PAGES:
        assert member.get(url(world, name)).status_code == 404, name
        assert member.post(url(world, name), {"action": "publish"}).status_code == 404, name
    if role != "outsider":
        assert "agreement-heading" not in member.get(url(world, "web:dashboard")).content.decode()
