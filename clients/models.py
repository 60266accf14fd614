"""The customer register: clients (people and companies), their marketing permissions,
custom fields, visits, and special-category records kept only with approval.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel, TenantQuerySet
from kernel.registry import (
    PURPOSE_ACCESS_CONTROL,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    Purpose,
    Retention,
    SubjectKind,
    personal_data,
)
from tenancy.fields import BlindIndexField, EncryptedTextField
from tenancy.models import Membership

PURPOSE_CUSTOMER = Purpose("customer", _("Customer relationship: bookings, visits and the services provided"))
PURPOSE_IDENTIFICATION = Purpose("identification", _("Unambiguous identification where care or billing needs it"))
PURPOSE_MARKETING = Purpose("marketing", _("Direct marketing by the channels the client allowed"))
PURPOSE_CARE = Purpose("care", _("Providing treatment and keeping the records it requires"))
RETENTION_CUSTOMER = Retention(
    "customer", _("While the customer relationship lasts; deleted %(period)s after the last visit"),
    organization_years="inactive_client_years")
RETENTION_CONSENT = Retention(
    "consent", _("While the client is in the register, as proof of each permission and withdrawal"))
RETENTION_CARE = Retention(
    "care", _("As long as the law on patient records requires"))

_C = PersonalField(Category.CONTACT, PURPOSE_CUSTOMER, LegalBasis.CONTRACT, RETENTION_CUSTOMER, Erasure.DELETE)
_I = PersonalField(Category.IDENTITY, PURPOSE_CUSTOMER, LegalBasis.CONTRACT, RETENTION_CUSTOMER, Erasure.DELETE)
_F = PersonalField(Category.FINANCIAL, PURPOSE_CUSTOMER, LegalBasis.CONTRACT, RETENTION_CUSTOMER, Erasure.DELETE)
_U = PersonalField(Category.USAGE, PURPOSE_CUSTOMER, LegalBasis.CONTRACT, RETENTION_CUSTOMER, Erasure.DELETE)
_NID = PersonalField(Category.NATIONAL_ID, PURPOSE_IDENTIFICATION, LegalBasis.LEGAL_OBLIGATION, RETENTION_CUSTOMER,
                     Erasure.DELETE)
_MKT = PersonalField(Category.USAGE, PURPOSE_MARKETING, LegalBasis.CONSENT, RETENTION_CONSENT, Erasure.DELETE)
_HEALTH = PersonalField(Category.SPECIAL, PURPOSE_CARE, LegalBasis.EXPLICIT_CONSENT, RETENTION_CARE, Erasure.DELETE)
RETENTION_PATIENT_RECORD = Retention(
    "patient_record",
    _("Patient records of a health-care provider: for the period the patient-record law sets, from the end of the "
      "year of the entry"),
    years_after_year_end={"FI": 12, "PL": 20})
_PATIENT_RECORD = PersonalField(
    Category.SPECIAL, PURPOSE_CARE, LegalBasis.EXPLICIT_CONSENT, RETENTION_PATIENT_RECORD, Erasure.KEEP_RESTRICTED,
    legal_ground={"FI": _("Finnish decree 94/2022 on patient records"),
                  "PL": _("Polish Act on patients' rights and the Patient Ombudsman, art. 29")},
    keep_if="keeps_patient_records")
_REF = PersonalField(Category.USAGE, PURPOSE_CUSTOMER, LegalBasis.LEGAL_OBLIGATION,
                     Retention("subject_ref", _("Pseudonymous reference: kept with the access log")),
                     Erasure.KEEP_RESTRICTED,
                     legal_ground=_("GDPR Art. 5(2): the access log must stay provable after erasure"))
_SIGN_IN = PersonalField(Category.USAGE, PURPOSE_CUSTOMER, LegalBasis.LEGITIMATE_INTEREST,
                         Retention("portal_sign_in", _("Portal sign-ins and their IP addresses: deleted after "
                                                       "%(period)s"),
                                   setting="SECURITY_LOG_RETENTION_DAYS"),
                         Erasure.DELETE)


class ClientKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class ClientSource(models.TextChoices):
    ONLINE = "online", _("Online booking")
    PHONE = "phone", _("By phone")
    STAFF = "staff", _("Added by staff")
    IMPORT = "import", _("Imported")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class ClientQuerySet(models.QuerySet):
    def for_organization(self, organization) -> ClientQuerySet:
        """The organization's clients; erased ones (tombstones) are never among them."""
        return self.filter(organization=organization, erased_at=None)


@personal_data(
    subject_kind=SubjectKind.CLIENT,
    subject_path="self",
    audit_reads=True,
    fields={
        "first_name": _I, "last_name": _I, "company_name": _I, "business_id": _I, "company": _I,
        "email": _C, "phone": _C, "street_address": _C, "postal_code": _C, "city": _C, "country": _C,
        "gender": _I, "birth_year": _I, "birth_date": _I, "preferred_language": _I,
        "billing_name": _F, "billing_address": _F, "billing_reference": _F, "standing_discount_percent": _F,
        "national_id": _NID, "national_id_index": _NID, "custom_fields": _C, "search_name": _I, "search_name_alt": _I,
        "source": _U, "created_at": _U, "updated_at": _U, "created_by_user_id": _U, "subject_ref": _REF,
        "portal_password": _U, "portal_last_login": _U, "restricted_at": _U, "restriction_reason": _U,
        "marketing_objection_at": _MKT, "reminders_by_email": _U, "reminders_by_sms": _U,
    },
    not_personal=["organization", "kind", "erased_at"],
    not_exported=["national_id_index", "search_name", "search_name_alt", "portal_password"],
)
class Client(TenantModel):
    """A data subject of the organization: a person, or a company with contact persons."""

    kind = models.CharField(_("kind"), max_length=10, choices=ClientKind.choices, default=ClientKind.PERSON)
    subject_ref = models.UUIDField(_("pseudonymous reference"), default=uuid.uuid4, editable=False)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    business_id = models.CharField(_("business ID"), max_length=20, blank=True)
    company = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="contact_persons", verbose_name=_("company"))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("Stored in international format."))
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=5, choices=settings.LANGUAGES,
                                          blank=True)
    billing_name = models.CharField(_("billing name"), max_length=200, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    billing_reference = models.CharField(_("billing reference"), max_length=100, blank=True)
    standing_discount_percent = models.DecimalField(_("standing discount (%)"), max_digits=5, decimal_places=2,
                                                    null=True, blank=True)
    national_id = EncryptedTextField(_("national identity number"))
    national_id_index = BlindIndexField(source="national_id", normaliser="clients.normalise.national_id")
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_name = models.CharField(max_length=300, editable=False, default="")
    search_name_alt = models.CharField(max_length=300, editable=False, default="")
    source = models.CharField(_("came through"), max_length=10, choices=ClientSource.choices,
                              default=ClientSource.STAFF)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    created_by_user_id = models.BigIntegerField(_("created by (account number)"), null=True, blank=True)
    portal_password = models.CharField(max_length=200, blank=True, editable=False)
    portal_last_login = models.DateTimeField(_("last sign-in to the portal"), null=True, blank=True, editable=False)
    restricted_at = models.DateTimeField(_("processing restricted since"), null=True, blank=True, editable=False)
    restriction_reason = models.CharField(_("reason for the restriction"), max_length=300, blank=True,
                                          editable=False)
    marketing_objection_at = models.DateTimeField(_("objected to direct marketing"), null=True, blank=True,
                                                  editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminders_by_email = models.BooleanField(_("booking reminders by email"), default=True)
    reminders_by_sms = models.BooleanField(_("booking reminders by SMS"), default=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [models.UniqueConstraint(fields=["organization", "subject_ref"], name="client_subject_ref")]
        indexes = [
            models.Index(fields=["organization", "search_name"], name="client_search_name"),
            models.Index(fields=["organization", "search_name_alt"], name="client_search_name_alt"),
            models.Index(fields=["organization", "phone"], name="client_phone"),
            models.Index(fields=["organization", "email"], name="client_email"),
            models.Index(fields=["organization", "national_id_index"], name="client_national_id"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == ClientKind.COMPANY:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_restricted(self) -> bool:
        """Stored but not otherwise processed: no reminders, no marketing, no edits (GDPR Art. 18)."""
        return self.restricted_at is not None or self.erased_at is not None

    @property
    def national_id_masked(self) -> str:
        """The national ID with all but the last character hidden, for lists and pages."""
        return "••••••-•••" + self.national_id[-1] if self.national_id else ""


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class ConsentSource(models.TextChoices):
    PORTAL = "portal", _("Client portal")
    STAFF = "staff", _("Recorded by staff")
    ONLINE = "online", _("Online booking")
    IMPORT = "import", _("Import")
    LINK = "link", _("Unsubscribe link in a message")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _MKT, "granted": _MKT, "recorded_at": _MKT, "source": _MKT, "wording_version": _MKT,
            "recorded_by_user_id": _MKT},
    not_personal=["organization", "channel", "purpose"],
)
class MarketingConsent(TenantModel):
    """One grant or withdrawal of a marketing channel; the newest row per channel is in force.

    Each row keeps what was agreed to (purpose and channel), when, through what, and the
    version of the wording the client saw (GDPR Art. 7(1): the controller proves consent).
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="marketing_consents",
                               verbose_name=_("client"))
    purpose = models.CharField(_("purpose"), max_length=30, default="direct_marketing", editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("allowed"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    source = models.CharField(_("given through"), max_length=10, choices=ConsentSource.choices)
    wording_version = models.CharField(_("wording version"), max_length=40)
    recorded_by_user_id = models.BigIntegerField(_("recorded by (account number)"), null=True, blank=True)

    class Meta:
        verbose_name = _("marketing permission")
        verbose_name_plural = _("marketing permissions")
        indexes = [models.Index(fields=["organization", "client", "channel", "-recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.channel}: {'granted' if self.granted else 'withdrawn'}"


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    URL = "url", _("Web address")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "key", "label", "field_type", "is_active", "position"])
class CustomField(TenantModel):
    """A field the organization adds to its clients, e.g. a video-call address."""

    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="customfield_unique_key")]
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", audit_reads=True,
    fields={"client": _U, "practitioner": _U, "visited_at": _U, "services": _U, "products": _U, "wishes": _U,
            "discount_percent": _F},
    not_personal=["organization", "created_at"],
)
class Visit(TenantModel):
    """A visit that took place: who served, what was done and sold, wishes, discount given."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="visits", verbose_name=_("client"))
    practitioner = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("served by"))
    visited_at = models.DateTimeField(_("time"))
    services = models.TextField(_("services"), blank=True)
    products = models.TextField(_("products"), blank=True)
    wishes = models.TextField(_("wishes"), blank=True)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["organization", "client", "-visited_at"], name="visit_client_recent")]

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d}"


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _HEALTH, "granted": _HEALTH, "recorded_at": _HEALTH, "recorded_by_user_id": _HEALTH,
            "wording_version": _HEALTH, "source": _HEALTH},
    not_personal=["organization", "purpose"],
)
class SpecialCategoryApproval(TenantModel):
    """The client's explicit consent (or its withdrawal) to keeping special-category records (Art. 9(2)(a))."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="special_approvals",
                               verbose_name=_("client"))
    purpose = models.CharField(_("purpose"), max_length=30, default="special_category_records", editable=False)
    granted = models.BooleanField(_("approved"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by_user_id = models.BigIntegerField(_("recorded by (account number)"), null=True, blank=True)
    wording_version = models.CharField(_("wording version"), max_length=40)
    source = models.CharField(_("given through"), max_length=10, choices=ConsentSource.choices)

    class Meta:
        verbose_name = _("approval of health records")
        verbose_name_plural = _("approvals of health records")

    def __str__(self) -> str:
        return "granted" if self.granted else "withdrawn"


class RecordKind(models.TextChoices):
    TREATMENT_NOTE = "treatment", _("Treatment note")
    SUBSTANCE_USE = "substance", _("Substance use")
    TEST_RESULT = "test_result", _("Test result")
    PERSONAL_ENTRY = "personal", _("Personal entry")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", audit_reads=True, kept_since="updated_at",
    fields={"client": _PATIENT_RECORD, "kind": _PATIENT_RECORD, "body": _PATIENT_RECORD, "author": _PATIENT_RECORD,
            "created_at": _PATIENT_RECORD, "updated_at": _PATIENT_RECORD},
    not_personal=["organization", "restricted_until"],
)
class ClientRecord(TenantModel):
    """A special-category entry (health, substance use, test result): encrypted, role-limited, audited."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="records", verbose_name=_("client"))
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    body = EncryptedTextField(_("entry"))
    author = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("written by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    restricted_until = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("client record")
        verbose_name_plural = _("client records")
        indexes = [models.Index(fields=["organization", "client", "-created_at"], name="record_client_recent")]

    def __str__(self) -> str:
        return self.get_kind_display()


_CARE_TEAM = PersonalField(
    Category.USAGE, PURPOSE_ACCESS_CONTROL, LegalBasis.LEGAL_OBLIGATION,
    Retention("care_team", _("While the client is in the register, as the record of who was allowed to read their "
                             "sensitive entries")),
    Erasure.DELETE)


class CareAssignmentQuerySet(TenantQuerySet):
    def in_force(self, today) -> CareAssignmentQuerySet:
        """Assignments neither revoked nor ended before `today` (the organization's local date)."""
        return self.filter(revoked_at=None).filter(models.Q(ends_on=None) | models.Q(ends_on__gte=today))


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _CARE_TEAM, "practitioner": _CARE_TEAM, "granted_at": _CARE_TEAM,
            "granted_by_user_id": _CARE_TEAM, "ends_on": _CARE_TEAM, "revoked_at": _CARE_TEAM,
            "revoked_by_user_id": _CARE_TEAM},
    not_personal=["organization"],
)
class CareAssignment(TenantModel):
    """The owner's decision that a practitioner treats a client (and so reads and writes their
    sensitive entries) without an appointment with them: until `ends_on`, or until revoked.

    Rows are history: revoking sets `revoked_at`, a new grant is a new row.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_assignments",
                               verbose_name=_("client"))
    practitioner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="care_assignments",
                                     verbose_name=_("practitioner"))
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)
    granted_by_user_id = models.BigIntegerField(_("granted by (account number)"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by_user_id = models.BigIntegerField(_("revoked by (account number)"), null=True, blank=True)

    objects = CareAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("care assignment")
        verbose_name_plural = _("care assignments")
        constraints = [models.UniqueConstraint(fields=["organization", "client", "practitioner"],
                                               condition=models.Q(revoked_at=None), name="care_assignment_one_open")]
        indexes = [models.Index(fields=["organization", "client", "practitioner"], name="care_assignment_client")]

    def __str__(self) -> str:
        return f"care assignment {self.pk}"


_PORTAL = PersonalField(Category.USAGE, PURPOSE_CUSTOMER, LegalBasis.CONTRACT,
                        Retention("portal_link", _("Sign-in link: deleted %(period)s after it expires"), days=1),
                        Erasure.DELETE)


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _PORTAL, "created_at": _PORTAL, "used_at": _PORTAL},
    not_personal=["organization", "token_hash", "expires_at"], not_exported=["token_hash"],
)
class PortalLoginToken(TenantModel):
    """A one-time sign-in link for the client portal; only its hash is stored."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("client"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal sign-in link")
        verbose_name_plural = _("portal sign-in links")

    def __str__(self) -> str:
        return f"portal link {self.pk}"


class SignInMethod(models.TextChoices):
    LINK = "link", _("Email link")
    PASSWORD = "password", _("Password")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _SIGN_IN, "at": _SIGN_IN, "ip": _SIGN_IN, "user_agent": _SIGN_IN, "method": _SIGN_IN},
    not_personal=["organization"],
)
class ClientSignIn(TenantModel):
    """A sign-in to the client portal, with the address and browser it came from (limited retention)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sign_ins", verbose_name=_("client"))
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    method = models.CharField(_("sign-in method"), max_length=10, choices=SignInMethod.choices)

    class Meta:
        verbose_name = _("portal sign-in")
        verbose_name_plural = _("portal sign-ins")
        indexes = [models.Index(fields=["organization", "client", "-at"], name="client_sign_in_recent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"


RETENTION_PENDING_IMPORT = Retention(
    "pending_import", _("Until the checked import file is confirmed or cancelled, at most 30 minutes"))


class ImportKind(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    APPOINTMENTS = "appointments", _("Appointments")


@personal_data(
    subject_kind=None, subject_path=None,
    fields={"text": PersonalField(Category.CONTACT, PURPOSE_CUSTOMER, LegalBasis.CONTRACT, RETENTION_PENDING_IMPORT,
                                  Erasure.DELETE)},
    not_personal=["organization", "uploaded_by", "kind", "digest", "created_at", "expires_at"],
    not_exported=["text"],
)
class PendingImport(TenantModel):
    """A checked CSV file of clients waiting for its uploader to confirm the import.

    The file holds other people's contact details, so it waits encrypted with the organization's key,
    for one member, until `expires_at`; confirming or cancelling deletes it, and the scheduler purges
    what nobody came back for (clients.pending_imports)."""

    uploaded_by = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+",
                                    verbose_name=_("uploaded by"))
    kind = models.CharField(_("what is imported"), max_length=12, choices=ImportKind.choices,
                            default=ImportKind.CLIENTS)
    text = EncryptedTextField(_("file content"))
    digest = models.CharField(_("checksum"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("import file waiting for confirmation")
        verbose_name_plural = _("import files waiting for confirmation")
        constraints = [models.UniqueConstraint(fields=["organization", "uploaded_by"],
                                               name="pendingimport_one_per_member")]

    def __str__(self) -> str:
        return f"pending import {self.pk}"


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "kind", "name", "columns", "created_at", "updated_at"])
class ImportMapping(TenantModel):
    """How the columns of another system's export map to Tilli's fields, saved by the owner under a name.

    `columns` maps each column name of the file to a field (or "" to leave the column out); the next
    file with the same column names gets this mapping suggested. Column names are not personal data."""

    kind = models.CharField(_("what is imported"), max_length=12, choices=ImportKind.choices)
    name = models.CharField(_("name"), max_length=80)
    columns = models.JSONField(_("columns"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind", "name"],
                                               name="importmapping_unique_name")]

    def __str__(self) -> str:
        return self.name
