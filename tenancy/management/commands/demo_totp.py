import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand

from tenancy.models import Membership
from tenancy.roles import Role


class Command(BaseCommand):
    help = "Print the current two-factor code of each demo organization's owner (demo organizations only)."

    def handle(self, *args, **options):
        owners = Membership.objects.filter(organization__is_demo=True, role=Role.OWNER).select_related(
            "user", "organization")
        for membership in owners:
            authenticator = Authenticator.objects.filter(user=membership.user, type=Authenticator.Type.TOTP).first()
            if authenticator is None:
                continue
            secret = decrypt(authenticator.data["secret"])
            counter = int(time.time()) // app_settings.TOTP_PERIOD
            self.stdout.write(f"{membership.organization.slug}: {membership.user.email} "
                              f"{format_hotp_value(hotp_value(secret, counter))}")
