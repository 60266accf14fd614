"""Staff roles and what each may do: the one map that every view and API operation asks.

Later issues add permissions here; a role never gets a permission by accident because
each role lists its permissions explicitly (the owner gets all of them).
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    PRACTITIONER = "practitioner", _("Practitioner")
    RECEPTION = "reception", _("Reception")
    ACCOUNTANT = "accountant", _("Accountant")


# Not a member's role (nobody is invited to it): the operator's staff during a support access
# (tenancy.status), so an audit row names them as such.
SUPPORT_ROLE = "support"
SUPPORT_ROLE_LABEL = _("Operator's support")


class Perm(StrEnum):
    VIEW_PANEL = "view_panel"
    VIEW_STAFF = "view_staff"
    MANAGE_STAFF = "manage_staff"
    MANAGE_ORGANIZATION = "manage_organization"
    VIEW_AUDIT_LOG = "view_audit_log"
    USE_API = "use_api"
    MANAGE_OWN_API_TOKENS = "manage_own_api_tokens"
    VIEW_CLIENTS = "view_clients"
    EDIT_CLIENTS = "edit_clients"
    VIEW_SPECIAL_RECORDS = "view_special_records"
    WRITE_SPECIAL_RECORDS = "write_special_records"
    MANAGE_CARE_ASSIGNMENTS = "manage_care_assignments"
    REVEAL_NATIONAL_ID = "reveal_national_id"
    EXPORT_CLIENTS = "export_clients"
    IMPORT_CLIENTS = "import_clients"
    MERGE_CLIENTS = "merge_clients"
    VIEW_CLIENT_ACCESS_LOG = "view_client_access_log"
    MANAGE_CUSTOM_FIELDS = "manage_custom_fields"
    VIEW_CALENDAR = "view_calendar"
    BOOK_APPOINTMENTS = "book_appointments"
    MANAGE_SERVICES = "manage_services"
    RECORD_REQUESTS = "record_requests"
    MANAGE_REQUESTS = "manage_requests"
    ERASE_CLIENTS = "erase_clients"
    RESTRICT_CLIENTS = "restrict_clients"
    VIEW_PAYMENTS = "view_payments"
    RECORD_PAYMENTS = "record_payments"
    VIEW_RESTRICTED_RECORDS = "view_restricted_records"
    MANAGE_MESSAGES = "manage_messages"
    SEND_CAMPAIGNS = "send_campaigns"
    VIEW_CLIENT_MESSAGES = "view_client_messages"
    MANAGE_BREACHES = "manage_breaches"
    VIEW_BUSINESS_FIGURES = "view_business_figures"
    VIEW_DAY_FIGURES = "view_day_figures"
    MANAGE_BOOKING_PAGE = "manage_booking_page"
    OPERATE_TILL = "operate_till"
    VIEW_SALES_REPORTS = "view_sales_reports"
    MANAGE_INVOICES = "manage_invoices"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_ONLINE_PAYMENTS = "manage_online_payments"
    REFUND_ONLINE_PAYMENTS = "refund_online_payments"


_EVERY_MEMBER = {Perm.VIEW_PANEL, Perm.USE_API, Perm.MANAGE_OWN_API_TOKENS}

# Special-category records: the owner and practitioners (and among practitioners only the
# treating one, see clients.permissions); only the owner assigns a practitioner to a client.
# Reception books and edits contact data (merging two clients, which moves one person's history onto
# another and deletes a record, is the owner's); the accountant reads billing details and exports for
# bookkeeping, and is the one role besides the owner that sees records kept only because the law
# requires it (restricted after erasure).
# The dashboard's figures: the owner sees the whole business today and this week with its takings
# (business figures); reception sees everyone's work today and today's takings (day figures); a
# practitioner, with neither, sees only their own appointments.
# At the counter (billing): whoever records payments sells (checkout, gift and series cards); the owner
# and reception open, count and close the till; the owner and the accountant read the sales reports,
# the Z reports and the accounting export; invoices are written by the owner and reception and marked
# paid by the accountant too; only the owner sets products, prices, VAT and commission (catalog).
# Online payments (issue 18): everyone who reads payments sees the online ones; the owner and reception refund
# them and decide on a late cancellation or a no-show (keep the deposit, charge the fee); only the owner connects
# a gateway and sets the payment policies.
# Any client-facing role records a data-subject request that arrives; only the owner
# (the controller) answers, extends, refuses, exports, erases and restricts.
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.PRACTITIONER: frozenset(_EVERY_MEMBER | {
        Perm.VIEW_STAFF, Perm.VIEW_CLIENTS, Perm.EDIT_CLIENTS, Perm.VIEW_SPECIAL_RECORDS,
        Perm.WRITE_SPECIAL_RECORDS, Perm.REVEAL_NATIONAL_ID, Perm.VIEW_CALENDAR, Perm.BOOK_APPOINTMENTS,
        Perm.RECORD_REQUESTS, Perm.VIEW_PAYMENTS, Perm.RECORD_PAYMENTS, Perm.VIEW_CLIENT_MESSAGES}),
    Role.RECEPTION: frozenset(_EVERY_MEMBER | {
        Perm.VIEW_STAFF, Perm.VIEW_CLIENTS, Perm.EDIT_CLIENTS, Perm.VIEW_CALENDAR,
        Perm.BOOK_APPOINTMENTS, Perm.RECORD_REQUESTS, Perm.VIEW_PAYMENTS, Perm.RECORD_PAYMENTS,
        Perm.VIEW_CLIENT_MESSAGES, Perm.VIEW_DAY_FIGURES, Perm.OPERATE_TILL, Perm.MANAGE_INVOICES,
        Perm.REFUND_ONLINE_PAYMENTS}),
    Role.ACCOUNTANT: frozenset(_EVERY_MEMBER | {Perm.VIEW_CLIENTS, Perm.EXPORT_CLIENTS, Perm.VIEW_PAYMENTS,
                                                Perm.VIEW_RESTRICTED_RECORDS, Perm.VIEW_SALES_REPORTS,
                                                Perm.MANAGE_INVOICES}),
    # The operator's staff during a support access the organization can see and end (tenancy.status):
    # reads only, no API, no exports, no special-category records; every client read is audited.
    SUPPORT_ROLE: frozenset({Perm.VIEW_PANEL, Perm.VIEW_STAFF, Perm.VIEW_CALENDAR, Perm.VIEW_CLIENTS}),
}


def role_has_perm(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
