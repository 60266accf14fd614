"""A mail-server outage does not turn an invitation into an error page."""

from django.urls import reverse

from accounts.models import Invitation
from tilli.test import free_port


def test_the_owner_is_told_when_the_invitation_mail_cannot_be_sent(transactional_db, world, client_for, settings):
    # Real commits: the mail is sent when the service's transaction commits, before the view answers.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}}
    client = client_for(world.owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("web:staff", kwargs={"org_slug": world.org.slug}),
                           {"email": "late@example.test", "role": "reception"}, follow=True)
    assert response.status_code == 200
    assert "the email could not be sent" in response.content.decode()
    assert Invitation.objects.filter(email="late@example.test", revoked_at=None).exists()
