"""The facts behind every privacy document, read from the live system.

A privacy notice, the Art. 30 record and the processing agreement are renderings of the
same facts: what the registry says is stored (only for fields the organization has
enabled), why and on what basis, for how long, who receives it (the operator's
sub-processors and the organization's own recipients), where it goes, how it is protected,
and the cookies Tilli sets. Facts are codes and values, not sentences, so a published
version can be rendered in any language later, and two versions can be compared.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kernel.audit import Actor, record
from kernel.models import AuditAction
from kernel.registry import Category, SubjectKind, erased_data_gone_within_days, registry
from privacy.information import controller_address
from privacy.models import (
    AgreementStatus,
    OrganizationRecipient,
    PrivacyNoticeVersion,
    ProcessingAgreement,
    SubProcessor,
)

EEA = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
       "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}


def _categories_held(organization) -> list[str]:
    """Categories of client data the organization can actually hold: a disabled field is not listed."""
    from clients.models import ClientRecord

    held = registry.categories(SubjectKind.CLIENT)
    if not organization.national_id_enabled:
        held.discard(Category.NATIONAL_ID)
    keeps_records = organization.keeps_patient_records or ClientRecord.objects.filter(
        organization=organization).exists()
    if not keeps_records:
        held.discard(Category.SPECIAL)
    return [c.value for c in Category if c in held]


def _purposes(organization) -> list[dict[str, Any]]:
    held = set(_categories_held(organization))
    purposes: dict[str, set[str]] = {}
    for reg in registry:
        if reg.subject_kind != SubjectKind.CLIENT:
            continue
        for pf in reg.fields.values():
            if pf.category.value in held:
                purposes.setdefault(pf.purpose.code, set()).add(pf.basis.value)
    return [{"code": code, "bases": sorted(bases)} for code, bases in sorted(purposes.items())]


def _retention(organization) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for reg in registry:
        if reg.subject_kind != SubjectKind.CLIENT:
            continue
        for pf in reg.fields.values():
            r = pf.retention
            rules.setdefault(r.code, {"code": r.code, "days": r.period_days(organization),
                                      "years_after_year_end": (r.years_after_year_end or {}).get(
                                          organization.country)})
    rules["customer"]["inactive_years"] = organization.inactive_client_years
    if not organization.keeps_patient_records:
        rules.pop("patient_record", None)
    return sorted(rules.values(), key=lambda r: r["code"])


def _recipients(organization) -> dict[str, list[dict[str, str]]]:
    processors = [{"name": s.name, "address": s.address, "country": s.country, "purpose": s.purpose,
                   "location": s.location, "data_categories": s.data_categories}
                  for s in SubProcessor.objects.filter(removed_at=None)]
    own = [{"name": r.name, "country": r.country, "purpose": r.purpose, "data_categories": r.data_categories,
            "is_processor": r.is_processor}
           for r in OrganizationRecipient.objects.filter(organization=organization, removed_at=None).order_by("name")]
    return {"subprocessors": processors, "organization": own + _payment_gateways(organization)}


def _payment_gateways(organization) -> list[dict[str, Any]]:
    """Each payment gateway the organization takes online payments through receives the payer's payment (issue 18).
    Its purpose is a code (`purpose_code`), worded in the notice's language when it is rendered."""
    from billing.payment_settings import PROVIDERS, connected_gateways

    return [{"name": PROVIDERS[name]["company"], "country": PROVIDERS[name]["country"], "purpose": "",
             "purpose_code": "online_payments", "data_categories": "", "gateway": name,
             "is_processor": PROVIDERS[name]["is_processor"]}
            for name in connected_gateways(organization)]


def _sources(organization) -> list[str]:
    from booking.models import Service
    from clients.models import Client, ClientSource

    sources = ["client", "staff"]
    if Service.objects.filter(organization=organization, online_bookable=True, is_active=True).exists():
        sources.append("online_booking")
    if Client.objects.filter(organization=organization, source=ClientSource.IMPORT).exists():
        sources.append("import")
    return sources


def security_measures() -> list[str]:
    """Only measures this installation really has."""
    measures = ["role_based_access", "access_log_hash_chain", "field_encryption", "password_hashing",
                "sign_in_throttling", "security_log"]
    if "owner" in getattr(settings, "MFA_REQUIRED_ROLES", []):
        measures.append("mfa_for_owners")
    if settings.SECURE_SSL_REDIRECT or getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        measures.append("tls")
    if getattr(settings, "SESSION_COOKIE_SECURE", False):
        measures.append("secure_cookies")
    if settings.BACKUP_KEYS:
        measures.append("encrypted_backups")
    return measures


def _cookies() -> list[dict[str, Any]]:
    try:
        from privacy.cookies import cookie_facts
    except ImportError:
        return []
    return cookie_facts()


def notice_facts(organization) -> dict[str, Any]:
    """Everything a privacy notice states about this organization, as it is now."""
    from booking.feeds import feed_details_in_use
    from notify.policy import policy_for

    recipients = _recipients(organization)
    countries = {r["country"] for r in recipients["subprocessors"]} | {r["country"] for r in recipients["organization"]}
    facts = {
        "controller": {"name": organization.name, "business_id": organization.business_id,
                       "address": controller_address(organization),
                       "country": organization.country},
        "contact": {"name": organization.privacy_contact_name, "email": organization.privacy_contact_email,
                    "phone": organization.privacy_contact_phone},
        "dpo": {"name": organization.dpo_name, "email": organization.dpo_email},
        "purposes": _purposes(organization),
        "categories": _categories_held(organization),
        "national_id": organization.national_id_enabled,
        "custom_fields": sorted(organization_custom_fields(organization)),
        "sources": _sources(organization),
        "recipients": recipients,
        "transfers": sorted(c for c in countries if c not in EEA),
        "retention": _retention(organization),
        "security": security_measures(),
        "sms": policy_for(organization).sms_enabled,
        "cookies": _cookies(),
        "full_listings_per_year": organization.full_listings_per_year,
        "authority": organization.country,
        "portal_slug": organization.slug,
    }
    # Staff calendar feeds put appointments into third parties' calendar apps: the notice says what the feeds
    # in use show (only when there are any, so a notice without feeds stays as it was published).
    feed_details = feed_details_in_use(organization)
    if feed_details:
        facts["staff_calendar_feeds"] = feed_details
    # Backups (ops.backup): how long an erased client's data can remain in them (only once backups are taken).
    if settings.BACKUP_KEYS:
        facts["backups"] = {"erased_gone_within_days": erased_data_gone_within_days()}
    return facts


def organization_custom_fields(organization) -> list[str]:
    from clients.models import CustomField

    return list(CustomField.objects.filter(organization=organization, is_active=True).values_list("label", flat=True))


def latest_notice(organization) -> PrivacyNoticeVersion | None:
    return PrivacyNoticeVersion.objects.filter(organization=organization).order_by("-version").first()


def same_facts(published: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether two notices state the same facts. Notices published before cookie facts were codes hold the
    cookies' words in the language of the moment; words are not facts, so they are left out of the comparison
    (otherwise the answer would depend on who looked, in which language)."""
    return _without_words(published) == _without_words(current)


def _without_words(facts: dict[str, Any]) -> dict[str, Any]:
    kept = ("name", "max_age", "necessary", "first_party")
    return {**facts, "cookies": [{k: c.get(k) for k in kept} if isinstance(c, dict) else c
                                 for c in facts.get("cookies") or []]}


def notice_is_current(organization) -> bool:
    latest = latest_notice(organization)
    return latest is not None and same_facts(latest.facts, notice_facts(organization))


def notice_diff(old_text: str, new_text: str) -> list[str]:
    """A line diff of two rendered notices, for the owner to read before publishing."""
    return list(difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), "published", "new", lineterm="",
                                     n=1))


@transaction.atomic
def publish_notice(*, organization, actor: Actor, now: dt.datetime | None = None) -> PrivacyNoticeVersion:
    """Publish the notice as the system is now; every earlier version stays readable."""
    latest = (PrivacyNoticeVersion.objects.select_for_update().filter(organization=organization)
              .order_by("-version").first())
    facts = notice_facts(organization)
    if latest is not None and same_facts(latest.facts, facts):
        return latest
    version = PrivacyNoticeVersion.objects.create(organization=organization,
                                                  version=(latest.version if latest else 0) + 1, facts=facts,
                                                  published_at=now or timezone.now(),
                                                  published_by_user_id=actor.user_id)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=version,
           detail={"version": version.version})
    return version


def record_of_processing(organization) -> list[dict[str, Any]]:
    """Art. 30(1): one row per processing purpose, with (a)-(g)."""
    facts = notice_facts(organization)
    recipients = [r["name"] for r in facts["recipients"]["subprocessors"]] + [
        r["name"] for r in facts["recipients"]["organization"]]
    rows = []
    for purpose in facts["purposes"]:
        categories = sorted({pf.category.value for reg in registry if reg.subject_kind == SubjectKind.CLIENT
                             for pf in reg.fields.values() if pf.purpose.code == purpose["code"]}
                            & set(facts["categories"]))
        retention = sorted({pf.retention.code for reg in registry if reg.subject_kind == SubjectKind.CLIENT
                            for pf in reg.fields.values() if pf.purpose.code == purpose["code"]})
        rows.append({"purpose": purpose["code"], "bases": purpose["bases"], "subjects": ["client"],
                     "categories": categories, "recipients": recipients, "transfers": facts["transfers"],
                     "retention": retention, "security": facts["security"]})
    staff_categories = sorted(c.value for c in registry.categories(SubjectKind.STAFF))
    rows.append({"purpose": "access_control", "bases": ["art6_1_b", "art6_1_c"], "subjects": ["staff"],
                 "categories": staff_categories, "recipients": recipients, "transfers": facts["transfers"],
                 "retention": ["membership", "security_log", "audit"], "security": facts["security"]})
    return rows


def operator_details() -> dict[str, str]:
    """The processor's identity for the agreement (OPERATOR_* settings); empty values mean "not configured"."""
    return {"name": settings.OPERATOR_NAME, "business_id": settings.OPERATOR_BUSINESS_ID,
            "address": settings.OPERATOR_ADDRESS, "email": settings.OPERATOR_EMAIL}


def operator_configured() -> bool:
    return all(operator_details().values())


def agreement_facts(organization) -> dict[str, Any]:
    facts = notice_facts(organization)
    return {"operator": operator_details(), "controller": facts["controller"], "contact": facts["contact"],
            "categories": facts["categories"], "purposes": [p["code"] for p in facts["purposes"]],
            "subjects": ["client", "staff"], "subprocessors": facts["recipients"]["subprocessors"],
            "security": facts["security"], "transfers": facts["transfers"], "country": organization.country}


@transaction.atomic
def agreement_generate(*, organization, actor: Actor) -> ProcessingAgreement:
    """A new version to sign when the facts changed (e.g. a new sub-processor); earlier ones are superseded."""
    latest = (ProcessingAgreement.objects.select_for_update().filter(organization=organization)
              .order_by("-version").first())
    facts = agreement_facts(organization)
    if latest is not None and latest.facts == facts and latest.status != AgreementStatus.SUPERSEDED:
        return latest
    ProcessingAgreement.objects.filter(organization=organization).exclude(
        status=AgreementStatus.SUPERSEDED).update(status=AgreementStatus.SUPERSEDED)
    agreement = ProcessingAgreement.objects.create(organization=organization,
                                                   version=(latest.version if latest else 0) + 1, facts=facts,
                                                   generated_at=timezone.now())
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=agreement,
           detail={"version": agreement.version})
    return agreement
