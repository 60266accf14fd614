import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenancy.demo import seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo salon and clinic with staff in every role. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object, with an owner API token.")
        parser.add_argument("--force", action="store_true", help="Allow demo accounts when DEBUG is off.")

    def handle(self, *args, json: bool, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo accounts have known passwords: run with DEBUG=1, or pass --force.")
        organizations = seed(with_tokens=json)
        if json:
            self.stdout.write(_dumps({"organizations": organizations}))
            return
        for org in organizations:
            self.stdout.write(f"\n{org['name']}  ->  {settings.SITE_URL.rstrip('/')}{org['url']}")
            for member in org["staff"]:
                self.stdout.write(f"  {member['role']:<13} {member['email']:<34} password: {org['owner_password']}")
            self.stdout.write(f"  The owner signs in with two-factor authentication: add the secret "
                              f"{org['owner_totp_secret']} to an authenticator app, or run "
                              f"`python manage.py demo_totp` for the current code.")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
