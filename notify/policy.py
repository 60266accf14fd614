"""Who may get which message: the organization's notification policy and a client's reachability.

Below both the queueing (notify.services) and the delivery (notify.delivery), which both ask it: the
delivery asks again at send time, since consent or restriction may have changed since the message was queued.
"""

from __future__ import annotations

from notify.models import MessageChannel, MessagePurpose, NotificationPolicy


def policy_for(organization) -> NotificationPolicy:
    policy, _ = NotificationPolicy.objects.get_or_create(organization=organization)
    return policy



def reachable(client, channel: str, *, purpose: str, policy: NotificationPolicy) -> bool:
    """Whether this client can and may get a message of `purpose` on `channel` now."""
    from clients.services import marketing_allowed

    if client is None or client.erased_at is not None:
        return False
    address = client.email if channel == MessageChannel.EMAIL else client.phone
    if not address or (channel == MessageChannel.SMS and not policy.sms_enabled):
        return False
    if purpose == MessagePurpose.MARKETING:
        return marketing_allowed(client, channel)
    if purpose == MessagePurpose.REMINDER:
        if client.is_restricted:
            return False
        return client.reminders_by_email if channel == MessageChannel.EMAIL else client.reminders_by_sms
    return True
