"""Invite a business to sign up (SIGNUP_MODE = invitation): mails a single-use link through the outbox."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenancy.signup import signup_invitation_create


class Command(BaseCommand):
    help = "Mail a single-use sign-up link to an email address (the worker sends it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--language", default=settings.LANGUAGE_CODE,
                            choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, email: str, language: str, **options) -> None:
        try:
            invitation = signup_invitation_create(email=email, language=language)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Invitation {invitation.pk} queued; valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC.")
