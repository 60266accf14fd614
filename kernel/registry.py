"""The personal-data registry: one declaration per model, read by everything else.

Each model in our apps states, next to its fields, which of them are personal data and,
for each, its category, purpose, legal basis, retention rule and what erasure does.
A system check (kernel.checks) refuses a model field that is not classified, so a new
column cannot slip past privacy. Exports, erasure plans, retention jobs and the
generated privacy documents all read this registry instead of keeping lists of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    NATIONAL_ID = "national_id", _("National identity number")
    SPECIAL = "special", _("Special category (health)")
    FINANCIAL = "financial", _("Financial")
    USAGE = "usage", _("Usage and logs")


class LegalBasis(models.TextChoices):
    CONSENT = "art6_1_a", _("Consent (GDPR Art. 6(1)(a))")
    CONTRACT = "art6_1_b", _("Contract (GDPR Art. 6(1)(b))")
    LEGAL_OBLIGATION = "art6_1_c", _("Legal obligation (GDPR Art. 6(1)(c))")
    LEGITIMATE_INTEREST = "art6_1_f", _("Legitimate interest (GDPR Art. 6(1)(f))")
    EXPLICIT_CONSENT = "art9_2_a", _("Explicit consent (GDPR Art. 9(2)(a))")
    HEALTH_CARE = "art9_2_h", _("Health or social care (GDPR Art. 9(2)(h))")


class Erasure(models.TextChoices):
    DELETE = "delete", _("Delete the row")
    ANONYMISE = "anonymise", _("Anonymise the field")
    KEEP_RESTRICTED = "keep_restricted", _("Keep, restricted, until the legal period ends")


class SubjectKind(models.TextChoices):
    CLIENT = "client", _("Clients")
    STAFF = "staff", _("Staff members")
    CONTACT = "contact", _("Contact persons of the business")


@dataclass(frozen=True)
class Purpose:
    code: str
    description: Promise


@dataclass(frozen=True)
class Retention:
    """How long a value is kept.

    `days` (or a setting naming the days, or `organization_years`, an Organization field in years that
    each organization sets, its default being the general rule) is a period from the row's own date;
    `years_after_year_end` is a statutory period per country counted from the end of the year of the
    row's date, as accounting and patient-record laws count. None set: the period is an event (e.g.
    "while the organization uses Tilli").
    """

    code: str
    description: Promise
    days: int | None = None
    setting: str | None = None
    years_after_year_end: dict[str, int] | None = None
    organization_years: str | None = None

    def period_days(self, organization=None) -> int | None:
        """The period in days: the organization's own where it sets one (else the field's default)."""
        if self.organization_years:
            if organization is None:
                return _organization_model()._meta.get_field(self.organization_years).default * 365
            return getattr(organization, self.organization_years) * 365
        if self.setting:
            from django.conf import settings

            return int(getattr(settings, self.setting))
        return self.days

    def text(self, days: int | None = None, organization=None) -> str:
        """The rule in words, in the active language. The period is stated once, as `days` (or the setting
        or the organization's field): the description names it `%(period)s` and never repeats the number.
        A published document passes the `days` it stated, so it keeps saying what it said."""
        period = self.period_days(organization) if days is None else days
        return str(self.description) % {"period": period_text(period) if period is not None else ""}

    def describe(self, country: str, organization=None) -> str:
        """The rule in words for an organization in `country`, with that country's statutory period only."""
        from django.utils.translation import gettext

        text = self.text(organization=organization).rstrip(".") + "."
        years = (self.years_after_year_end or {}).get(country)
        if years:
            text += " " + gettext("In %(country)s the law requires %(years)s years from the end of the year "
                                  "concerned.") % {"country": _country_label(country), "years": years}
        return text

    def keep_until(self, event_day: date, country: str) -> date | None:
        """The last day a value dated `event_day` must be kept in `country`, or None if no law keeps it."""
        if self.years_after_year_end is not None:
            years = self.years_after_year_end.get(country)
            return None if years is None else date(event_day.year + years, 12, 31)
        days = self.period_days()
        return None if days is None else event_day + timedelta(days=days)


def _organization_model() -> type[models.Model]:
    """The organization model, looked up by its label: the registry sits below tenancy (every model, the
    organization included, is declared with it), so it never imports `tenancy.models`."""
    from django.apps import apps

    return apps.get_model("tenancy", "Organization")


def _country_label(country: str) -> str:
    """The country's name in the active language, from the organization's `country` choices."""
    return str(dict(_organization_model()._meta.get_field("country").choices)[country])


def period_text(days: int) -> str:
    """A period in words: whole years as years, else days ("3 years", "90 days")."""
    from django.utils.translation import ngettext

    if days >= 365 and days % 365 == 0:
        return ngettext("%(count)d year", "%(count)d years", days // 365) % {"count": days // 365}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


# A text that depends on the organization's country: the law of each country, keyed by its ISO code.
ByCountry = Mapping[str, Promise]


@dataclass(frozen=True)
class PersonalField:
    """How one field is personal data. `legal_ground` names the law that keeps it on erasure: one text
    where the ground is the same everywhere (the GDPR), else one per country (`ByCountry`), so an
    organization is only ever shown its own country's law."""

    category: Category
    purpose: Purpose
    basis: LegalBasis
    retention: Retention
    erasure: Erasure
    legal_ground: Promise | ByCountry | None = None
    keep_if: str | None = None  # an Organization attribute; the keep rule applies only where it is true

    def ground_for(self, country: str) -> str:
        """The legal ground in force in `country` ('' if none), in the active language."""
        ground = self.legal_ground
        if isinstance(ground, Mapping):
            ground = ground.get(country)
        return str(ground) if ground else ""

    @property
    def special(self) -> bool:
        """Special-category and national-ID values never enter the audit log or exports of others."""
        return self.category in (Category.SPECIAL, Category.NATIONAL_ID)


@dataclass
class Registration:
    model: type[models.Model]
    subject_kind: SubjectKind | None
    subject_path: str | None
    fields: dict[str, PersonalField]
    not_personal: frozenset[str]
    audit_reads: bool = False
    kept_since: str | None = None
    not_exported: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def link_field(self) -> str | None:
        """The field of this row that leads towards the subject ("self" has none)."""
        if not self.subject_path or self.subject_path == "self":
            return None
        return self.subject_path.split("__")[0]

    def personal_fields(self) -> Iterable[tuple[str, PersonalField]]:
        return self.fields.items()


@dataclass
class Registry:
    registrations: dict[str, Registration] = field(default_factory=dict)

    def add(self, registration: Registration) -> None:
        self.registrations[registration.label] = registration

    def get(self, model: type[models.Model]) -> Registration | None:
        return self.registrations.get(model._meta.label)

    def __iter__(self):
        return iter(sorted(self.registrations.values(), key=lambda r: r.label))

    def categories(self, subject_kind: SubjectKind) -> set[Category]:
        return {pf.category for reg in self if reg.subject_kind == subject_kind for _, pf in reg.personal_fields()}


registry = Registry()

# Columns every tenant model has that carry no personal data.
ALWAYS_NOT_PERSONAL = frozenset({"id"})


def personal_data(
    *,
    subject_kind: SubjectKind | None,
    subject_path: str | None,
    fields: dict[str, PersonalField],
    not_personal: Iterable[str] = (),
    audit_reads: bool = False,
    kept_since: str | None = None,
    not_exported: Iterable[str] = (),
) -> Callable[[type[models.Model]], type[models.Model]]:
    """Class decorator that registers a model's personal-data declaration.

    `subject_path` leads from a row to its data subject ("self", or a field path such as
    "user" or "client"), so the registry can find every row of one person. `kept_since`
    names the date field from which a keep-on-erasure period counts (e.g. a payment's date), or a path to
    it through the parent row ("sale__completed_at": a receipt line counts from its receipt's time).
    `not_exported` lists fields left out of exports because they are derived from other
    fields (search keys, blind indexes) or are secrets (password and token hashes); erasure
    still clears the personal ones.
    """

    def register(model: type[models.Model]) -> type[models.Model]:
        registry.add(
            Registration(
                model=model,
                subject_kind=subject_kind,
                subject_path=subject_path,
                fields=dict(fields),
                not_personal=frozenset(not_personal) | ALWAYS_NOT_PERSONAL,
                audit_reads=audit_reads,
                kept_since=kept_since,
                not_exported=frozenset(not_exported),
            )
        )
        return model

    return register


# Purposes and retention rules shared across apps. Apps add their own beside their models.
PURPOSE_ACCESS_CONTROL = Purpose("access_control", _("Staff accounts, roles and access control"))
PURPOSE_SECURITY = Purpose("security", _("Information security and prevention of misuse"))
PURPOSE_ACCOUNTABILITY = Purpose("accountability", _("Recording who accessed and changed personal data"))
PURPOSE_CONTROLLER_INFO = Purpose("controller_info", _("Contact details of the controller in privacy documents"))

RETENTION_MEMBERSHIP = Retention("membership", _("While the person works for the organization"))
RETENTION_SECURITY_LOG = Retention(
    "security_log", _("Security log: deleted after %(period)s"), setting="SECURITY_LOG_RETENTION_DAYS")
RETENTION_AUDIT = Retention(
    "audit", _("Access log: kept while the organization uses Tilli, as proof of accountability"))
RETENTION_INVITATION = Retention("invitation", _("Staff invitation: deleted %(period)s after it expires"), days=30)
RETENTION_ORGANIZATION = Retention("organization", _("While the organization uses Tilli"))
RETENTION_SIGNUP = Retention("signup", _("Sign-up request: deleted %(period)s after it was made"), days=7)


def erased_data_gone_within_days() -> int:
    """The longest an erased client's data can stay in a kept backup.

    Stated once, here below both readers: the backups keep BACKUP_KEEP_DAILY days and BACKUP_KEEP_MONTHLY
    months (ops.backup prunes by them), and the privacy notice (privacy.documents) tells clients this period."""
    from django.conf import settings

    if settings.BACKUP_KEEP_MONTHLY:
        return (settings.BACKUP_KEEP_MONTHLY + 1) * 31
    return settings.BACKUP_KEEP_DAILY + 1
