"""The guide: its topics, where each topic's text lives, and which topic each page's help link opens.

A topic's title and summary are page chrome (gettext); its body is written once per language, as a
template `help/<audience>/<language>/<slug>.html`, because a guide translated sentence by sentence
through a catalog reads like a catalog. Every page of the panel, the portal and the public booking pages
either names a topic in PAGE_TOPICS or stands in NO_HELP; web/tests/test_help_map.py fails on a URL name
that does neither, so a new page cannot ship without its help link being decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from html import unescape

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("fi", "sv", "pl", "en")


class Audience(StrEnum):
    STAFF = "staff"
    CLIENT = "client"


@dataclass(frozen=True)
class Topic:
    slug: str
    audience: Audience
    title: Promise
    summary: Promise

    def template(self, language: str) -> str:
        return f"help/{self.audience}/{language if language in LANGUAGES else 'en'}/{self.slug}.html"


STAFF_TOPICS = (
    Topic("start", Audience.STAFF, _("Getting started: roles and the panel"),
          _("Who may do what, the overview page and finding your way around.")),
    Topic("calendar", Audience.STAFF, _("The calendar and appointments"),
          _("Booking, moving and cancelling appointments, and what each state means.")),
    Topic("clients", Audience.STAFF, _("Clients"),
          _("Finding, adding and editing clients, sensitive entries, duplicates, import and export.")),
    Topic("services", Audience.STAFF, _("Services and hours"),
          _("Services, who performs them, rooms and devices, working hours, time off and holidays.")),
    Topic("messages", Audience.STAFF, _("Messages and reminders"),
          _("Confirmations, reminders, quiet hours, wording, the outbox and marketing campaigns.")),
    Topic("payments", Audience.STAFF, _("Payments and receipts"),
          _("Recording a payment, receipt numbers, and receipts kept after a client is erased.")),
    Topic("requests", Audience.STAFF, _("Handling a data-subject request"),
          _("Step by step: record, verify the identity, do what was asked and answer within a month.")),
    Topic("breaches", Audience.STAFF, _("Handling a personal data breach"),
          _("Step by step with the 72-hour clock: record, notify the authority, find and tell the clients.")),
    Topic("documents", Audience.STAFF, _("Privacy notice, record and agreement"),
          _("Publishing the privacy notice, the record of processing (Art. 30) and the processing agreement.")),
    Topic("access-log", Audience.STAFF, _("The access log"),
          _("Who viewed and changed which personal data, and checking that nobody has altered the log.")),
    Topic("backups", Audience.STAFF, _("Backups"),
          _("What is backed up, where, for how long, and what the owner should check.")),
    Topic("organization", Audience.STAFF, _("Organization, staff and security"),
          _("The controller's details, inviting staff, two-factor sign-in, API tokens and webhooks.")),
)
CLIENT_TOPICS = (
    Topic("booking", Audience.CLIENT, _("Booking a time"),
          _("Choosing a service, a person and a time, and what happens after you book.")),
    Topic("changes", Audience.CLIENT, _("Moving or cancelling a booking"),
          _("How to move or cancel a booking yourself, and until when.")),
    Topic("portal", Audience.CLIENT, _("Your own pages"),
          _("Signing in, correcting your details, reminders and marketing permissions.")),
    Topic("rights", Audience.CLIENT, _("Your rights and how to use them"),
          _("Seeing and copying your data, correcting it, deleting it, restricting its use and objecting.")),
)
TOPICS = {Audience.STAFF: {t.slug: t for t in STAFF_TOPICS}, Audience.CLIENT: {t.slug: t for t in CLIENT_TOPICS}}

# The panel's pages (namespace "web") open a staff topic; the portal's and the booking pages' a client topic.
_PANEL = {
    "start": ["home", "dashboard", "setup_checklist_hide", "support_access_end", "signup", "signup_sent",
              "signup_invited", "signup_confirm"],
    "organization": ["staff", "staff_member", "invitation_revoke", "organization_settings", "api_tokens",
                     "api_token_revoke", "webhooks", "account_security", "sign_out_everywhere"],
    "access-log": ["audit_log"],
    "calendar": ["calendar", "calendar_list", "calendar_new", "calendar_appointment", "calendar_move",
                 "calendar_state", "calendar_feed"],
    "services": ["services", "service_new", "service_edit", "staff_bookable", "staff_hours", "booking_page",
                 "booking_page_category_new", "booking_page_category", "booking_page_service", "booking_page_staff"],
    "clients": ["client_list", "custom_fields", "client_new", "client_import", "client_import_confirm",
                "client_detail", "client_edit", "client_reveal", "client_marketing", "client_approval",
                "client_record_new", "client_care_grant", "client_care_revoke", "client_visit_new", "client_merge",
                "client_import_preview", "appointment_import", "appointment_import_preview",
                "appointment_import_confirm"],
    "requests": ["requests", "request_detail", "request_erase", "client_export_start", "client_erase",
                 "client_restrict", "client_lift_restriction", "client_object", "export_status"],
    "payments": ["restricted_payments", "checkout", "receipts", "receipt_detail", "receipt_refund",
                 # the counter: till, Z reports, products and stock, commission, sales reports
                 "tills", "till", "till_open", "till_cash", "till_close", "z_report", "products", "product_new",
                 "product_edit", "product_stock", "commissions", "sales_reports",
                 # invoices and the billing details they print
                 "billing_profile", "invoices", "invoice_new", "invoice_new_for", "invoice_detail", "invoice_credit",
                 "invoice_paid", "invoice_remind",
                 # online payments: the list, a payment, the staff's decisions, the owner's settings
                 "online_payments", "online_payment", "online_payment_refund", "online_payment_keep",
                 "online_payment_fee", "online_payment_settings", "online_payment_service"],
    "messages": ["client_reminders", "message_settings", "reminder_rule_delete", "message_templates",
                 "message_template_edit", "message_template_reset", "outbox", "outbox_message", "campaigns",
                 "campaign_new", "campaign", "campaign_preview", "campaign_send", "campaign_status"],
    "breaches": ["breaches", "breach_new", "breach_detail", "breach_edit"],
    "documents": ["documents", "documents_preview", "documents_record", "documents_agreement", "recipients",
                  "recipient_remove"],
}
_PORTAL = {
    "portal": ["start", "link", "home", "contact", "marketing", "marketing_objection", "special_approval",
               "messages", "password", "sign_out", "goodbye"],
    "rights": ["data", "export_status", "requests", "delete"],
}
_BOOKING = {
    "booking": ["services", "staff", "times", "details", "booked", "contact", "contact_sent"],
    "changes": ["manage", "cancel", "move"],
    "rights": ["privacy_notice", "privacy_notice_version"],
}
# The signed-in person's own account pages (django-allauth's URL names, which have no namespace).
_ACCOUNT = ["mfa_index", "mfa_activate_totp", "mfa_view_recovery_codes", "usersessions_list",
            "account_change_password"]
PAGE_TOPICS: dict[str, Topic] = {
    **{f"web:{name}": TOPICS[Audience.STAFF][slug] for slug, names in _PANEL.items() for name in names},
    **{name: TOPICS[Audience.STAFF]["organization"] for name in _ACCOUNT},
    **{f"portal:{name}": TOPICS[Audience.CLIENT][slug] for slug, names in _PORTAL.items() for name in names},
    **{f"public_booking:{name}": TOPICS[Audience.CLIENT][slug] for slug, names in _BOOKING.items() for name in names},
}
# Addresses that show no page of their own (files, feeds, health checks) or are the guide itself.
NO_HELP = frozenset({
    "web:healthz", "web:feed", "web:client_export", "web:z_report_pdf", "web:report_csv", "web:voucher_card",
    "web:export_download", "web:documents_record_pdf",
    "web:documents_record_csv", "web:documents_agreement_pdf", "web:documents_agreement_signed",
    "web:invoice_pdf", "web:invoice_xml",
    "portal:export_download", "public_booking:privacy_notice_pdf",
    "public_booking:help", "public_booking:help_topic", "public_booking:help_print",
    "public_booking:brand_css", "public_booking:media",
    "web:checkout_card", "web:checkout_clients", "web:checkout_products", "web:receipt_pdf", "web:receipt_email",
})


def topic_for_page(view_name: str | None) -> Topic | None:
    return PAGE_TOPICS.get(view_name or "")


def topic_text(topic: Topic, language: str, help_root: str = "") -> str:
    """The topic's body as HTML in `language` (English where the language has no guide)."""
    return render_to_string(topic.template(language), {"help_root": help_root})


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(html: str) -> str:
    return _SPACE.sub(" ", unescape(_TAG.sub(" ", html))).strip()


@dataclass(frozen=True)
class Hit:
    topic: Topic
    excerpt: str


def search(audience: Audience, language: str, query: str, *, excerpt_chars: int = 160) -> list[Hit]:
    """Topics whose title or text hold every word of the query (case-insensitive), in guide order, each
    with the sentence-sized excerpt around the first word found. The guide is a few dozen kilobytes, so
    rendering it per search is cheaper than keeping an index in step with it."""
    words = [w.casefold() for w in query.split() if w.strip()][:10]
    if not words:
        return []
    hits = []
    for topic in TOPICS[audience].values():
        text = plain_text(topic_text(topic, language))
        folded = f"{topic.title} {text}".casefold()
        if all(word in folded for word in words):
            at = text.casefold().find(words[0])
            start = max(0, at - excerpt_chars // 3) if at >= 0 else 0
            end = start + excerpt_chars
            hits.append(Hit(topic, ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")))
    return hits
