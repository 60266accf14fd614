"""Turning the document facts (privacy.documents) into pages, PDFs and CSV files, and keeping signed copies.

Facts are codes; the words come from here and the templates at render time, in whatever
language is active, so a notice published in 2025 can still be read in Polish in 2030 and
two versions can be compared line by line. Registry descriptions (purposes, retention rules)
are looked up by code by walking the registry; a code the registry no longer knows is shown
as the code rather than dropped, so nothing a published version stated disappears silently.

The signed copy of a processing agreement is checked by its first bytes (not its name),
sealed with the organization's data key and stored under DOCUMENT_DIR; every upload and
download is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import Actor, record
from kernel.models import AuditAction
from kernel.registry import Category, LegalBasis, Purpose, Retention, SubjectKind, registry
from privacy.documents import (
    EEA,
    agreement_facts,
    notice_facts,
    operator_configured,
    operator_details,
    record_of_processing,
    security_measures,
)
from privacy.information import authority_for
from privacy.models import AgreementStatus, ProcessingAgreement, SubProcessor
from tenancy.keyring import decrypt_bytes, encrypt_bytes

SIGNED_MAX_BYTES = 10 * 1024 * 1024
SIGNED_KINDS = {  # first bytes -> (extension, content type)
    b"%PDF-": ("pdf", "application/pdf"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}

# --- words for codes ----------------------------------------------------------------------------------

COUNTRY_NAMES = {
    "FI": gettext_lazy("Finland"), "PL": gettext_lazy("Poland"), "SE": gettext_lazy("Sweden"),
    "EE": gettext_lazy("Estonia"), "DE": gettext_lazy("Germany"), "DK": gettext_lazy("Denmark"),
    "NO": gettext_lazy("Norway"), "NL": gettext_lazy("the Netherlands"), "IE": gettext_lazy("Ireland"),
    "FR": gettext_lazy("France"), "LT": gettext_lazy("Lithuania"), "LV": gettext_lazy("Latvia"),
    "US": gettext_lazy("the United States"), "GB": gettext_lazy("the United Kingdom"),
    "CH": gettext_lazy("Switzerland"),
}

SECURITY_TEXTS = {
    "role_based_access": gettext_lazy("Access by role: each staff member can see and change only what their role "
                                      "needs, and health entries only those who treat the client."),
    "access_log_hash_chain": gettext_lazy("An access log: every view and change of personal data is recorded with "
                                          "who, when and from where; staff cannot alter it, and each entry is "
                                          "chained to the previous one so that tampering is detected."),
    "field_encryption": gettext_lazy("Encryption of the most sensitive values: identity numbers and health "
                                     "entries are stored encrypted with a key of the organization's own."),
    "password_hashing": gettext_lazy("Passwords are never stored readable, only as salted, deliberately slow "
                                     "hashes."),
    "sign_in_throttling": gettext_lazy("Repeated failed sign-ins are slowed down and then blocked for a while, "
                                       "so passwords cannot be guessed."),
    "security_log": gettext_lazy("A security log of sign-ins and their IP addresses, to detect misuse; it is "
                                 "deleted after a fixed period."),
    "mfa_for_owners": gettext_lazy("Two-factor authentication: the organization's owners sign in with a password "
                                   "and a one-time code."),
    "tls": gettext_lazy("Encrypted connections (HTTPS) between your browser and the service."),
    "secure_cookies": gettext_lazy("Sign-in cookies travel only over encrypted connections."),
    "encrypted_backups": gettext_lazy("Daily backups, encrypted with a key kept apart from the data, stored in two "
                                      "separate places and restored regularly in a test."),
}

SOURCE_TEXTS = {
    "client": gettext_lazy("From you: when you book, visit, or change your details in the client portal."),
    "staff": gettext_lazy("From the staff who serve you: for example which services you received."),
    "online_booking": gettext_lazy("From the online booking page, when you book a time yourself."),
    "import": gettext_lazy("From the organization's earlier customer register, transferred into Tilli."),
}

SUBJECT_TEXTS = {"client": gettext_lazy("Clients"), "staff": gettext_lazy("Staff members")}

# Where a purpose rests on legitimate interest (Art. 6(1)(f)), the notice must say what the interest is.
LEGITIMATE_INTERESTS = {
    "customer": gettext_lazy("keeping the client portal secure: sign-ins and their IP addresses are recorded to "
                             "detect misuse"),
    "security": gettext_lazy("keeping the service secure and preventing misuse"),
}

STAFF_CATEGORY_NOTE = gettext_lazy("staff accounts, roles, sign-ins")


@cache
def _registry_maps() -> tuple[dict[str, Purpose], dict[str, Retention], dict[str, frozenset[str]]]:
    purposes: dict[str, Purpose] = {}
    retentions: dict[str, Retention] = {}
    retention_categories: dict[str, set[str]] = {}
    for reg in registry:
        for pf in reg.fields.values():
            purposes.setdefault(pf.purpose.code, pf.purpose)
            retentions.setdefault(pf.retention.code, pf.retention)
            if reg.subject_kind == SubjectKind.CLIENT:
                retention_categories.setdefault(pf.retention.code, set()).add(pf.category.value)
    return purposes, retentions, {k: frozenset(v) for k, v in retention_categories.items()}


def purpose_text(code: str) -> str:
    purpose = _registry_maps()[0].get(code)
    return str(purpose.description) if purpose else code


def retention_text(code: str, days: int | None = None) -> str:
    """The registry's rule in words; `days` is the period a published document stated (else today's)."""
    rule = _registry_maps()[1].get(code)
    return rule.text(days) if rule else code


def basis_text(code: str) -> str:
    try:
        return str(LegalBasis(code).label)
    except ValueError:
        return code


def category_text(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def country_text(code: str) -> str:
    return str(COUNTRY_NAMES.get(code, code))


def security_text(code: str) -> str:
    return str(SECURITY_TEXTS.get(code, code))


def local_date(moment: dt.datetime | None, organization) -> str:
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment, ZoneInfo(organization.time_zone)), "DATE_FORMAT")


def _retention_lines(rules: list[dict[str, Any]], country: str, held: set[str]) -> list[str]:
    """The retention rules for data actually held, in words, with the organization's own settings."""
    categories = _registry_maps()[2]
    lines = []
    for rule in rules:
        code = rule["code"]
        if code in categories and not categories[code] & held:
            continue  # e.g. treatment records when the organization keeps none
        if code == "customer" and rule.get("inactive_years"):
            text = _("Client details: kept while you are a client; a client who has not visited for %(years)s "
                     "years is removed from the register.") % {"years": rule["inactive_years"]}
        else:
            text = retention_text(code, rule.get("days"))
        text = text if text.endswith(".") else text + "."
        if rule.get("years_after_year_end"):
            text += " " + _("In %(country)s the law requires %(years)s years from the end of the year concerned.") % {
                "country": country_text(country), "years": rule["years_after_year_end"]}
        lines.append(text)
    return lines


def _backup_lines(facts: dict[str, Any]) -> list[str]:
    backups = facts.get("backups")
    if not backups:
        return []
    return [_("Backups: data deleted from the register stays in the encrypted backups for at most %(days)s days, "
              "until those backups are deleted in turn; if a backup is ever restored, erasures are carried out "
              "again at once.") % {"days": backups["erased_gone_within_days"]}]


# --- the privacy notice -------------------------------------------------------------------------------

def _portal_links(slug: str, base_url: str) -> dict[str, str]:
    names = {"start": "portal:start", "data": "portal:data", "contact": "portal:contact", "delete": "portal:delete",
             "marketing": "portal:marketing", "requests": "portal:requests"}
    return {key: base_url + reverse(name, kwargs={"portal_slug": slug}) for key, name in names.items()}


def _cookie_rows(cookies: list[Any]) -> list[dict[str, str]]:
    """Cookie facts as name / purpose / lifetime in the active language."""
    from privacy.cookies import cookie_words

    rows = []
    for cookie in cookies:
        if not isinstance(cookie, dict):
            rows.append({"name": str(cookie), "purpose": "", "lifetime": ""})
            continue
        purpose, lifetime = cookie_words(cookie)
        rows.append({"name": str(cookie.get("name", "")), "purpose": purpose, "lifetime": lifetime})
    return rows


def notice_context(facts: dict[str, Any], *, organization, published_at: dt.datetime | None = None,
                   version: int | None = None, base_url: str = "") -> dict[str, Any]:
    """What notice.html needs, in the active language: the facts with their words attached."""
    held = set(facts["categories"])
    country = facts["controller"]["country"]
    try:
        authority = authority_for(facts["authority"])
    except KeyError:
        authority = None
    recipients = facts["recipients"]
    by_country: dict[str, list[str]] = {}
    for r in recipients["subprocessors"] + recipients["organization"]:
        by_country.setdefault(r["country"], []).append(r["name"])
    return {
        "facts": facts,
        "version": version,
        "published": local_date(published_at, organization) if published_at else "",
        "controller_country": country_text(country),
        "purposes": [{"code": p["code"], "text": purpose_text(p["code"]),
                      "bases": [basis_text(b) for b in p["bases"]],
                      "interest": str(LEGITIMATE_INTERESTS.get(p["code"], ""))
                      if LegalBasis.LEGITIMATE_INTEREST.value in p["bases"] else ""}
                     for p in facts["purposes"]],
        "categories": [{"code": c, "text": category_text(c)} for c in facts["categories"]
                       if c != Category.NATIONAL_ID or facts.get("national_id")],
        "holds_special": Category.SPECIAL.value in held,
        "sources": [str(SOURCE_TEXTS.get(s, s)) for s in facts["sources"]],
        "subprocessors": [{**r, "country_name": country_text(r["country"])} for r in recipients["subprocessors"]],
        "own_recipients": [{**r, **_recipient_words(r), "country_name": country_text(r["country"])}
                           for r in recipients["organization"]],
        "transfers": [{"country": country_text(c), "recipients": ", ".join(by_country.get(c, []))}
                      for c in facts["transfers"]],
        "retention": _retention_lines(facts["retention"], country, held) + _backup_lines(facts),
        "security": [security_text(m) for m in facts["security"]],
        "portal": _portal_links(facts["portal_slug"], base_url),
        "authority": authority,
        "cookies": _cookie_rows(facts.get("cookies") or []),
        "staff_feeds_show": _feeds_show(facts.get("staff_calendar_feeds") or []),
    }


# Recipients the system adds (not the owner's own free text): their purpose and data, worded in the notice's language.
RECIPIENT_PURPOSES = {
    "online_payments": (
        gettext_lazy("takes the online payments of bookings (prepayments, deposits, no-show guarantees) and refunds"),
        gettext_lazy("the amount, the payment's reference and your email address; the card or bank details you enter "
                     "on its payment page, which we never see"),
    ),
}


def _recipient_words(recipient: dict[str, Any]) -> dict[str, str]:
    words = RECIPIENT_PURPOSES.get(recipient.get("purpose_code") or "")
    return {"purpose": str(words[0]), "data_categories": str(words[1])} if words else {}


# What staff calendar feeds show of a client, most revealing last (booking.models.FeedDetail).
FEED_SHOWS = {
    "service": gettext_lazy("the time, the place and the service, but nothing about you"),
    "initial": gettext_lazy("the time, the place, the service and the first letter of your first name"),
    "name": gettext_lazy("the time, the place, the service and your name"),
}


def _feeds_show(details: list[str]) -> str:
    """The notice's promise for the most revealing feed detail in use ("" when no feed is in use)."""
    shown = [code for code in FEED_SHOWS if code in details]
    return str(FEED_SHOWS[shown[-1]]) if shown else ""


def render_notice(facts: dict[str, Any], *, organization, language: str, published_at=None, version=None,
                  base_url: str = "") -> str:
    """The notice's sections as HTML (no page around them), every word in `language`: the document's
    language, whatever language the page around it or the person asking is in."""
    with translation.override(language):
        return render_to_string("privacy/notice.html", notice_context(
            facts, organization=organization, published_at=published_at, version=version, base_url=base_url))


def notice_pdf(facts: dict[str, Any], *, organization, language: str, published_at=None, version=None,
               base_url: str = "") -> bytes:
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string("privacy/notice_pdf.html", {
            "notice": render_notice(facts, organization=organization, language=language, published_at=published_at,
                                    version=version, base_url=base_url),
            "title": _("Privacy notice: %(name)s") % {"name": facts["controller"]["name"]},
        })
    return HTML(string=html).write_pdf()


class _TextLines(HTMLParser):
    """Rendered HTML as readable lines: one per heading, paragraph, list item or table row."""

    BLOCKS = {"h1", "h2", "h3", "h4", "p", "li", "dt", "dd", "tr", "div", "section", "article", "br", "ul", "ol",
              "table", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.BLOCKS:
            self._flush()
            if tag == "li":
                self.current.append("• ")
        elif tag == "td" and "".join(self.current).strip():
            self.current.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def html_to_lines(html: str) -> list[str]:
    parser = _TextLines()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.lines


def notice_text(facts: dict[str, Any], *, organization, language: str) -> str:
    """The notice as plain text, for a diff the owner can read (versions and dates left out: they always differ)."""
    return "\n".join(html_to_lines(render_notice(facts, organization=organization, language=language)))


# --- the record of processing activities (Art. 30) ----------------------------------------------------

RECORD_COLUMNS = [
    gettext_lazy("(a) Controller and contact details"),
    gettext_lazy("(b) Purpose and legal basis"),
    gettext_lazy("(c) Categories of data subjects and of personal data"),
    gettext_lazy("(d) Categories of recipients"),
    gettext_lazy("(e) Transfers to third countries"),
    gettext_lazy("(f) Time limits for erasure"),
    gettext_lazy("(g) Security measures"),
]


def _controller_line(facts: dict[str, Any]) -> str:
    c, contact, dpo = facts["controller"], facts["contact"], facts["dpo"]
    parts = [f"{c['name']} ({c['business_id']})", c["address"], country_text(c["country"])]
    if contact["name"] or contact["email"] or contact["phone"]:
        parts.append(_("privacy contact: %(who)s") % {
            "who": " ".join(p for p in (contact["name"], contact["email"], contact["phone"]) if p)})
    if dpo["name"] or dpo["email"]:
        parts.append(_("data protection officer: %(who)s") % {
            "who": " ".join(p for p in (dpo["name"], dpo["email"]) if p)})
    return "; ".join(p for p in parts if p)


def record_activities(organization) -> dict[str, Any]:
    """Art. 30(1): (a) and (g) once, and (b)-(f) for each processing activity, in the active language."""
    facts = notice_facts(organization)
    countries = {r["name"]: r["country"] for r in facts["recipients"]["subprocessors"]
                 + facts["recipients"]["organization"]}
    rules = {r["code"]: r for r in facts["retention"]}
    every_category = {c.value for c in Category}
    activities = []
    security: list[str] = []
    for activity in record_of_processing(organization):
        subjects = ", ".join(str(SUBJECT_TEXTS.get(s, s)) for s in activity["subjects"])
        retention_rules = [rules.get(code, {"code": code}) for code in activity["retention"]]
        activities.append({
            "purpose": purpose_text(activity["purpose"]),
            "bases": [basis_text(b) for b in activity["bases"]],
            "subjects": subjects,
            "categories": [category_text(c) for c in activity["categories"]],
            "recipients": [_("Staff of the organization, each as far as their role needs")] + [
                f"{name} ({country_text(countries.get(name, ''))})" for name in activity["recipients"]],
            "transfers": [country_text(c) for c in activity["transfers"]],
            "retention": _retention_lines(retention_rules, facts["controller"]["country"], every_category),
        })
        security = [security_text(m) for m in activity["security"]]
    return {"controller": _controller_line(facts), "activities": activities, "security": security}


def record_rows(organization) -> list[list[str]]:
    """One CSV row per processing activity, columns (a)-(g)."""
    record = record_activities(organization)
    security = " ".join(record["security"])
    return [[record["controller"], "{} — {}".format(a["purpose"], "; ".join(a["bases"])),
             "{}: {}".format(a["subjects"], ", ".join(a["categories"])), "; ".join(a["recipients"]),
             ", ".join(a["transfers"]) or _("None outside the EU/EEA"), " ".join(a["retention"]), security]
            for a in record["activities"]]


def document_language(organization) -> str:
    """The language of the organization's own documents (the Art. 30 record, the processing agreement, the
    panel's preview of its notice): its default language, never the language of whoever opens them."""
    return organization.default_language


def record_context(organization) -> dict[str, Any]:
    """The record's words, all in the organization's document language."""
    language = document_language(organization)
    with translation.override(language):
        return {"organization": organization, "columns": [str(c) for c in RECORD_COLUMNS],
                **record_activities(organization), "made": local_date(timezone.now(), organization),
                "document_language": language}


def render_record(organization) -> str:
    """The record as HTML (no page around it), for the panel page and the PDF."""
    context = record_context(organization)
    with translation.override(context["document_language"]):
        return render_to_string("privacy/record.html", context)


def record_pdf(organization) -> bytes:
    from weasyprint import HTML

    context = record_context(organization)
    with translation.override(context["document_language"]):
        html = render_to_string("privacy/record_pdf.html", {
            **context, "record": render_record(organization),
            "title": _("Record of processing activities: %(name)s") % {"name": organization.name}})
    return HTML(string=html).write_pdf()


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows ä, ö, ł and ś correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff".encode() + buffer.getvalue().encode()


def record_csv(organization) -> bytes:
    with translation.override(document_language(organization)):
        return csv_bytes([str(c) for c in RECORD_COLUMNS], record_rows(organization))


# --- the operator's own record (Art. 30(2)) -----------------------------------------------------------

PROCESSOR_COLUMNS = [
    gettext_lazy("(a) Processor and controller"),
    gettext_lazy("(b) Categories of processing"),
    gettext_lazy("(c) Transfers to third countries"),
    gettext_lazy("(d) Security measures"),
]


def processor_record_rows() -> list[list[str]]:
    """One row per controller (every organization using this installation), for the superuser's record."""
    from tenancy.models import Organization

    operator = operator_details()
    processor = "; ".join(v for v in (operator["name"], operator["business_id"], operator["address"],
                                      operator["email"]) if v) or _("Not configured: set the OPERATOR_* settings")
    subprocessors = list(SubProcessor.objects.filter(removed_at=None))
    outside = sorted({s.country for s in subprocessors if s.country not in EEA})
    transfers = "; ".join(f"{s.name} ({country_text(s.country)})" for s in subprocessors
                          if s.country in outside) or _("None outside the EU/EEA")
    sub_text = "; ".join(f"{s.name}, {s.purpose}, {s.location} ({country_text(s.country)})" for s in subprocessors)
    security = " ".join(security_text(m) for m in security_measures())
    rows = []
    for organization in Organization.objects.order_by("name", "pk"):
        facts = notice_facts(organization)
        controller = _controller_line(facts)
        processing = "; ".join(purpose_text(p["code"]) for p in facts["purposes"])
        processing = _("Hosting, storage, backups and operation of the booking system and customer register on "
                       "the controller's behalf: %(purposes)s.") % {"purposes": processing}
        if sub_text:
            processing += " " + _("Sub-processors: %(list)s.") % {"list": sub_text}
        rows.append([_("Processor: %(processor)s. Controller: %(controller)s") % {
            "processor": processor, "controller": controller}, processing, transfers, security])
    return rows


def processor_record_context() -> dict[str, Any]:
    return {"operator": operator_details(), "configured": operator_configured(),
            "columns": [str(c) for c in PROCESSOR_COLUMNS], "rows": processor_record_rows(),
            "made": date_format(timezone.localdate(), "DATE_FORMAT"),
            "title": _("Record of processing activities of the processor (GDPR Art. 30(2))")}


def processor_record(fmt: str) -> bytes:
    context = processor_record_context()
    if fmt == "csv":
        return csv_bytes(context["columns"], context["rows"])
    html = render_to_string("privacy/processor_record.html", context)
    if fmt == "pdf":
        from weasyprint import HTML

        return HTML(string=html).write_pdf()
    return html.encode()


# --- the processing agreement (Art. 28(3)) ------------------------------------------------------------

def current_agreement(organization) -> ProcessingAgreement | None:
    return (ProcessingAgreement.objects.for_organization(organization)
            .exclude(status=AgreementStatus.SUPERSEDED).order_by("-version").first())


def agreement_context(agreement: ProcessingAgreement) -> dict[str, Any]:
    facts = agreement.facts
    return {
        "agreement": agreement, "facts": facts,
        "generated": local_date(agreement.generated_at, agreement.organization),
        "controller_country": country_text(facts["controller"]["country"]),
        "categories": [category_text(c) for c in facts["categories"]],
        "purposes": [purpose_text(p) for p in facts["purposes"]],
        "subjects": [str(SUBJECT_TEXTS.get(s, s)) for s in facts["subjects"]],
        "subprocessors": [{**s, "country_name": country_text(s["country"])} for s in facts["subprocessors"]],
        "transfers": [country_text(c) for c in facts["transfers"]],
        "security": [security_text(m) for m in facts["security"]],
        "holds_special": Category.SPECIAL.value in facts["categories"],
    }


def agreement_pdf(agreement: ProcessingAgreement) -> bytes:
    """The agreement in the organization's document language, whoever downloads it."""
    from weasyprint import HTML

    with translation.override(document_language(agreement.organization)):
        context = agreement_context(agreement)
        html = render_to_string("privacy/agreement_pdf.html", {
            "agreement_html": render_to_string("privacy/agreement.html", context),
            "title": _("Data processing agreement, version %(version)s") % {"version": agreement.version}})
    return HTML(string=html).write_pdf()


def agreement_needs_new_version(organization) -> bool:
    """True when the facts changed since the current version was generated (or none exists)."""
    current = current_agreement(organization)
    return current is None or current.facts != agreement_facts(organization)


def signed_kind(data: bytes) -> tuple[str, str]:
    """(extension, content type) of an accepted signed copy, judged by its content; ValidationError otherwise."""
    if len(data) > SIGNED_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
    for magic, kind in SIGNED_KINDS.items():
        if data.startswith(magic):
            return kind
    raise ValidationError(_("Upload the signed agreement as a PDF, PNG or JPEG file."), code="file_type")


def _signed_path(agreement: ProcessingAgreement, file_name: str) -> Path:
    return Path(settings.DOCUMENT_DIR) / str(agreement.organization_id) / file_name


def agreement_store_signed(*, agreement: ProcessingAgreement, data: bytes, actor: Actor,
                           now: dt.datetime | None = None) -> ProcessingAgreement:
    """Keep the signed scan (sealed), mark the version signed and audit it; a replaced scan's file is removed."""
    extension, _content_type = signed_kind(data)
    if agreement.status == AgreementStatus.SUPERSEDED:
        raise ValidationError(_("This version has been replaced; sign the current version instead."),
                              code="superseded")
    file_name = f"agreement-{agreement.pk}-{uuid.uuid4().hex}.{extension}.sealed"
    path = _signed_path(agreement, file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encrypt_bytes(agreement.organization_id, f"agreement:{agreement.pk}", data))
    try:
        with transaction.atomic():
            locked = ProcessingAgreement.objects.select_for_update().get(pk=agreement.pk)
            if locked.status == AgreementStatus.SUPERSEDED:
                raise ValidationError(_("This version has been replaced; sign the current version instead."),
                                      code="superseded")
            previous = locked.signed_file_name
            locked.status = AgreementStatus.SIGNED
            locked.signed_at = now or timezone.now()
            locked.signed_file_name = file_name
            locked.signed_file_size = len(data)
            locked.uploaded_by_user_id = actor.user_id
            locked.save(update_fields=["status", "signed_at", "signed_file_name", "signed_file_size",
                                       "uploaded_by_user_id"])
            record(organization=locked.organization, actor=actor, action=AuditAction.UPDATE, obj=locked,
                   changed_fields=["status", "signed_file_name"],
                   detail={"version": locked.version, "signed_copy": extension, "size": len(data),
                           "replaced": bool(previous)})
            if previous:
                transaction.on_commit(lambda: _signed_path(locked, previous).unlink(missing_ok=True))
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return locked


def agreement_open_signed(*, agreement: ProcessingAgreement, actor: Actor) -> tuple[bytes, str, str]:
    """The signed copy's bytes, content type and a download name; the download is audited."""
    if not agreement.signed_file_name:
        raise FileNotFoundError
    data = decrypt_bytes(agreement.organization_id, f"agreement:{agreement.pk}",
                         _signed_path(agreement, agreement.signed_file_name).read_bytes())
    extension, content_type = signed_kind(data)
    record(organization=agreement.organization, actor=actor, action=AuditAction.EXPORT, obj=agreement,
           detail={"version": agreement.version, "signed_copy": extension, "downloaded": True})
    return data, content_type, f"processing-agreement-v{agreement.version}-signed.{extension}"
