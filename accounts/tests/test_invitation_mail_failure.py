"""A mail-server outage neither turns an invitation into an error page nor loses its email:
the outbox keeps it and the worker tries again."""

from django.urls import reverse

from accounts.models import Invitation
from notify.models import Message, MessagePurpose, MessageStatus
from tilli.test import free_port, run_worker


def test_an_invitation_waits_in_the_outbox_while_the_mail_server_is_down(transactional_db, world, client_for,
                                                                          settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}}
    client = client_for(world.owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("web:staff", kwargs={"org_slug": world.org.slug}),
                           {"email": "late@example.test", "role": "reception"}, follow=True)
    assert response.status_code == 200 and "Invitation sent." in response.content.decode()
    assert Invitation.objects.filter(email="late@example.test", revoked_at=None).exists()
    assert not Message.objects.exists()  # nothing is even written in the request: the worker does it

    run_worker()
    message = Message.objects.get(purpose=MessagePurpose.INVITATION)
    assert (message.status, message.recipient, message.attempts) == (MessageStatus.QUEUED, "late@example.test", 1)
    assert message.error.startswith("smtp_") and "/accounts/invitations/" in message.body


def test_an_invitation_link_is_wiped_from_the_outbox_once_sent(world, invite):
    invite(world.owner, "new@example.test", "reception")
    message = Message.objects.get(purpose=MessagePurpose.INVITATION)
    assert message.status == MessageStatus.SENT and message.body == ""
