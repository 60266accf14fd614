"""The privacy documents as rendered: PDFs carry Finnish and Polish letters, the notice lists only what
is held, the record's CSV has the Art. 30 columns, and signed copies are checked and sealed."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from kernel.audit import Actor
from kernel.models import AuditEvent
from privacy.document_rendering import (
    agreement_open_signed,
    agreement_pdf,
    agreement_store_signed,
    html_to_lines,
    notice_pdf,
    record_csv,
    render_notice,
)
from privacy.documents import agreement_generate, notice_facts, publish_notice
from privacy.models import AgreementStatus, OrganizationRecipient, SubProcessor
from tenancy.keyring import decrypt_bytes

SYSTEM = Actor.system("test")
PDF = b"%PDF-1.4\n% signed scan of the agreement\n" + b"0" * 200 + b"\n%%EOF\n"


@pytest.fixture
def operator(settings):
    settings.OPERATOR_NAME = "Tilli Palvelut Oy"
    settings.OPERATOR_BUSINESS_ID = "1234567-8"
    settings.OPERATOR_ADDRESS = "Hämeenkatu 1, 33100 Tampere"
    settings.OPERATOR_EMAIL = "tietosuoja@tilli.example"


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _finnish(world):
    org = world.org
    org.name, org.street_address, org.postal_code, org.city = "Hyvinvointi Pähkinä", "Kääpätie 4", "33720", "Tampere"
    org.privacy_contact_name, org.privacy_contact_email = "Sääskö Öhman", "tietosuoja@pahkina.example"
    org.save()
    return org


def _polish(world):
    org = world.other_org
    org.name, org.street_address = "Gabinet Łąka i Leśniczówka", "ul. Źródlana 5"
    org.postal_code, org.city = "90-001", "Łódź"
    org.privacy_contact_name = "Małgorzata Świątek"
    org.save()
    return org


@pytest.mark.django_db
def test_notice_pdfs_show_finnish_and_polish_letters(world, tmp_path):
    for org, language, letters, title in ((_finnish(world), "fi", ("ä", "ö"), "Privacy notice"),
                                         (_polish(world), "pl", ("ł", "ś", "Ł", "ą"), "Privacy notice")):
        with translation.override(language):
            notice = publish_notice(organization=org, actor=SYSTEM)
            text = pdf_text(notice_pdf(notice.facts, organization=org, language=language,
                                       published_at=notice.published_at, version=notice.version), tmp_path)
        assert org.name in text and org.city in text and org.privacy_contact_name in text
        assert all(letter in text for letter in letters), (language, text[:400])
        assert title in text or org.name in text  # the section titles are in the text (translated or source)
        assert "Tietosuojavaltuutetun" in text if org.country == "FI" else "Urzędu Ochrony Danych" in text


@pytest.mark.django_db
def test_agreement_pdfs_show_finnish_and_polish_letters_and_every_art_28_element(world, tmp_path, operator):
    SubProcessor.objects.create(name="Pilvi Hosting Oy", address="Helsinki", country="FI", purpose="hosting",
                                location="Helsinki, Finland", data_categories="all client data")
    for org, letters in ((_finnish(world), ("ä", "ö")), (_polish(world), ("ł", "ś", "ą", "Ł"))):
        org.default_language = "en"  # the agreement is in the organization's language, whoever downloads it
        org.save()
        agreement = agreement_generate(organization=org, actor=SYSTEM)
        with translation.override("fi"):
            text = " ".join(pdf_text(agreement_pdf(agreement), tmp_path).split())
        assert org.name in text and "Hämeenkatu" in text and all(letter in text for letter in letters)
        for element in ("Subject matter and duration", "Nature and purpose", "Types of personal data",
                        "Obligations and rights of the controller", "documented instructions", "Confidentiality",
                        "Article 32", "general prior authorisation", "opportunity to object", "Pilvi Hosting Oy",
                        "data subjects' rights", "Articles 32 to 36", "Deletion or return", "audits",
                        "For the controller", "For the processor", "Signature"):
            assert element in text, element


@pytest.mark.django_db
def test_the_notice_lists_only_enabled_categories(world):
    html = render_notice(notice_facts(world.org), organization=world.org, language="en")
    assert "National identity number" not in html and "Health information" not in html
    world.org.national_id_enabled = True
    world.org.keeps_patient_records = True
    world.org.save()
    html = render_notice(notice_facts(world.org), organization=world.org, language="en")
    assert "National identity number" in html and "Health information" in html


@pytest.mark.django_db
def test_the_notice_names_recipients_transfers_authority_and_portal_links(world):
    OrganizationRecipient.objects.create(organization=world.org, name="Tilitoimisto Numero Oy", purpose="bookkeeping",
                                         country="US", data_categories="receipts")
    lines = html_to_lines(render_notice(notice_facts(world.org), organization=world.org, language="en"))
    text = "\n".join(lines)
    assert "Tilitoimisto Numero Oy (the United States)" in text
    assert "None: your data is not transferred" not in text and "the United States: Tilitoimisto Numero Oy" in text
    assert "Tietosuojavaltuutetun toimisto" in text and "within one month" in text
    html = render_notice(notice_facts(world.org), organization=world.org, language="en")
    for page in ("me/data/", "me/contact/", "me/delete/", "me/marketing/", "me/requests/"):
        assert f'href="/p/{world.org.slug}/{page}"' in html
    pl = "\n".join(html_to_lines(render_notice(notice_facts(world.other_org), organization=world.other_org,
                                                language="en")))
    assert "Prezes Urzędu Ochrony Danych Osobowych" in pl and "None: your data is not transferred" in pl


@pytest.mark.django_db
def test_the_record_csv_has_a_bom_and_columns_a_to_g_one_row_per_activity(world):
    world.org.default_language = "en"  # the record is in the organization's language, whoever downloads it
    world.org.save()
    with translation.override("pl"):
        content = record_csv(world.org)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [h[:3] for h in rows[0]] == ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)"]
    purposes = {p["code"] for p in notice_facts(world.org)["purposes"]}
    assert len(rows) - 1 == len(purposes) + 1  # each client purpose, and staff access control
    assert all(row[0].startswith(world.org.name) for row in rows[1:])
    assert any("Bookkeeping" in row[1] and "6 years from the end of the year" in row[5] for row in rows[1:])


@pytest.mark.django_db
def test_the_processor_record_command_names_every_organization(world, tmp_path, operator):
    for fmt in ("html", "csv", "pdf"):
        out = tmp_path / f"record.{fmt}"
        call_command("processor_record", "--format", fmt, "--output", str(out), stdout=io.StringIO())
        content = out.read_bytes()
        text = pdf_text(content, tmp_path) if fmt == "pdf" else content.decode("utf-8-sig")
        assert world.org.name in text and world.other_org.name in text and "Tilli Palvelut Oy" in text


@pytest.mark.django_db
def test_a_signed_copy_is_sealed_on_disk_and_opens_for_download(world, tmp_path, settings, operator):
    settings.DOCUMENT_DIR = tmp_path
    agreement = agreement_generate(organization=world.org, actor=SYSTEM)
    signed = agreement_store_signed(agreement=agreement, data=PDF, actor=SYSTEM)
    assert signed.status == AgreementStatus.SIGNED and signed.signed_file_size == len(PDF)
    stored = (tmp_path / str(world.org.pk) / signed.signed_file_name).read_bytes()
    assert b"%PDF" not in stored and b"signed scan" not in stored
    assert decrypt_bytes(world.org.pk, f"agreement:{agreement.pk}", stored) == PDF
    content, content_type, _name = agreement_open_signed(agreement=signed, actor=SYSTEM)
    assert content == PDF and content_type == "application/pdf"
    assert AuditEvent.objects.filter(organization=world.org, object_type__icontains="agreement").count() >= 3


@pytest.mark.django_db
def test_a_renamed_program_or_a_huge_file_is_refused(world, tmp_path, settings, operator):
    settings.DOCUMENT_DIR = tmp_path
    agreement = agreement_generate(organization=world.org, actor=SYSTEM)
    with pytest.raises(ValidationError):
        agreement_store_signed(agreement=agreement, data=b"MZ\x90\x00" + b"\x00" * 100, actor=SYSTEM)
    with pytest.raises(ValidationError):
        agreement_store_signed(agreement=agreement, data=b"%PDF-" + b"0" * (10 * 1024 * 1024), actor=SYSTEM)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURE and not any(tmp_path.rglob("*.sealed"))
