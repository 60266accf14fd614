"""What GDPR Art. 15(1) says a client must be told besides the data itself, read from the registry.

The export's readable part and the portal use it; the privacy notice (issue 8) will too.
Texts are lazy, so they come out in whatever language is active.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.registry import Category, SubjectKind, registry
from tilli.lib.addresses import one_line


@dataclass(frozen=True)
class Authority:
    """A supervisory authority. Its name is translated: in its own country's language the official name,
    elsewhere the reader's rendering with the official name beside it."""

    name: Promise
    address: str
    url: str


AUTHORITIES = {
    "FI": Authority(gettext_lazy("Office of the Data Protection Ombudsman (Tietosuojavaltuutetun toimisto)"),
                    "PL 800, 00531 Helsinki", "https://tietosuoja.fi"),
    "PL": Authority(gettext_lazy("President of the Personal Data Protection Office (Prezes Urzędu Ochrony Danych "
                                 "Osobowych, UODO)"), "ul. Stawki 2, 00-193 Warszawa", "https://uodo.gov.pl"),
}


def authority_for(country: str) -> Authority:
    return AUTHORITIES[country]


def controller_address(organization) -> str:
    """The organization's postal address on one line, as documents print it."""
    return one_line(organization)


def purposes() -> list[dict[str, str]]:
    """Each purpose for which client data is processed, with its legal bases."""
    seen: dict[str, dict] = {}
    for reg in registry:
        if reg.subject_kind != SubjectKind.CLIENT:
            continue
        for pf in reg.fields.values():
            entry = seen.setdefault(pf.purpose.code, {"code": pf.purpose.code,
                                                      "description": str(pf.purpose.description), "bases": set()})
            entry["bases"].add(str(pf.basis.label))
    return [{**e, "bases": sorted(e["bases"])} for e in sorted(seen.values(), key=lambda e: e["code"])]


def categories(organization) -> list[str]:
    held = registry.categories(SubjectKind.CLIENT)
    if not organization.national_id_enabled:
        held.discard(Category.NATIONAL_ID)
    return [str(Category(c).label) for c in Category if c in held]


def retention_rules(organization) -> list[dict[str, str]]:
    """Each retention rule in words, with the statutory periods of the organization's country only."""
    rules: dict[str, str] = {}
    for reg in registry:
        if reg.subject_kind == SubjectKind.CLIENT:
            for pf in reg.fields.values():
                rules.setdefault(pf.retention.code, pf.retention.describe(organization.country, organization))
    return [{"code": code, "description": text} for code, text in sorted(rules.items())]


def recipients(organization) -> list[str]:
    return [
        _("Staff of %(organization)s, each only as far as their role needs") % {"organization": organization.name},
        _("The operator of the Tilli service, as processor on the organization's instructions (hosting and "
          "maintenance, within the EU/EEA)"),
        *_payment_gateways(organization),
    ]


def _payment_gateways(organization) -> list[str]:
    from billing.payment_settings import PROVIDERS, connected_gateways

    lines = []
    for name in connected_gateways(organization):
        provider = PROVIDERS[name]
        words = {"company": provider["company"], "country": provider["country"]}
        lines.append(_("%(company)s (%(country)s), which takes online payments, on our instructions") % words
                     if provider["is_processor"] else
                     _("%(company)s (%(country)s), which takes online payments, as a controller in its own right")
                     % words)
    return lines


def rights(organization) -> list[str]:
    authority = authority_for(organization.country)
    return [
        _("Access to your data and a copy of it (Art. 15)"),
        _("Correction of inaccurate data (Art. 16)"),
        _("Erasure, except what the law obliges the organization to keep (Art. 17)"),
        _("Restriction of processing (Art. 18)"),
        _("Receiving your data in a machine-readable format (Art. 20)"),
        _("Objection, and an absolute right to refuse direct marketing (Art. 21)"),
        _("Withdrawing a consent at any time, without affecting earlier processing (Art. 7(3))"),
        _("Lodging a complaint with the supervisory authority: %(authority)s, %(address)s, %(url)s")
        % {"authority": authority.name, "address": authority.address, "url": authority.url},
    ]


def art15_information(organization, client) -> dict:
    return {
        "controller": {"name": organization.name, "business_id": organization.business_id,
                       "address": controller_address(organization),
                       "privacy_contact": {"name": organization.privacy_contact_name,
                                           "email": organization.privacy_contact_email,
                                           "phone": organization.privacy_contact_phone},
                       "data_protection_officer": {"name": organization.dpo_name, "email": organization.dpo_email}},
        "purposes": purposes(),
        "categories": categories(organization),
        "recipients": recipients(organization),
        "transfers": _("None outside the EU/EEA."),
        "retention": retention_rules(organization),
        "source": str(client.get_source_display()),
        "automated_decisions": _("None: no decisions are made about you by automated means alone."),
        "rights": rights(organization),
    }
