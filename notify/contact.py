"""The public contact form's message to the organization: queued through the outbox to whoever reads the
organization's mail, with the sender as Reply-To. Tilli does not keep it: delivery deletes the row once sent
(notify.delivery), so nothing of the sender stays in the database."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from notify.models import MessageChannel, MessagePurpose
from notify.outbox import deliver_soon, enqueue
from tenancy.models import Membership, Organization
from tenancy.roles import Role


def contact_recipients(organization: Organization) -> list[tuple[str, str]]:
    """(email, language) of whoever reads the organization's mail: its privacy contact, else each owner."""
    if organization.privacy_contact_email:
        return [(organization.privacy_contact_email, organization.default_language)]
    owners = User.objects.filter(
        pk__in=Membership.objects.for_organization(organization).filter(role=Role.OWNER, is_active=True)
        .values("user_id")).exclude(email="").order_by("pk")
    return [(user.email, user.preferred_language or organization.default_language) for user in owners]


def _body(organization: Organization, *, name: str, email: str, phone: str, message: str) -> str:
    lines = [
        _("A message from the contact form of %(organization)s's booking page.") % {"organization": organization},
        "",
        f"{_('Name')}: {name}",
        f"{_('Email')}: {email}",
    ]
    if phone:
        lines.append(f"{_('Phone')}: {phone}")
    lines += ["", message, "", "-- ",
              _("Answer by replying to this email. Tilli does not keep this message: it was deleted once sent.")]
    return "\n".join(lines)


def contact_message_send(*, organization: Organization, name: str, email: str, phone: str = "",
                         message: str) -> list[int]:
    """Queue the message to each recipient (the sender as Reply-To); the worker delivers it after the commit.

    Returns the ids of the queued rows.
    """
    ids = []
    with transaction.atomic():
        for recipient, language in contact_recipients(organization):
            with translation.override(language):
                subject = _("Contact form: %(name)s") % {"name": name}
                body = _body(organization, name=name, email=email, phone=phone, message=message)
            queued = enqueue(organization=organization, client=None, channel=MessageChannel.EMAIL,
                              purpose=MessagePurpose.CONTACT, kind="contact_form", recipient=recipient,
                              language=language, subject=subject, body=body, reply_to=email,
                              dedupe_key=f"contact:{uuid.uuid4().hex}", send_at=timezone.now(), deliver=False)
            if queued is not None:
                ids.append(queued.pk)
        if ids:
            deliver_soon()
    return ids
