from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.services import api_token_create
from kernel.audit import Actor
from tenancy.models import Membership


class Command(BaseCommand):
    help = "Create an API token for a staff member of an organization; prints the token once."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--email", required=True, help="The staff member's email address.")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument("--days", type=int, default=None,
                            help="How long the token works (default API_TOKEN_DEFAULT_DAYS, at most "
                                 "API_TOKEN_MAX_DAYS).")

    def handle(self, *args, organization: str, email: str, name: str, days: int | None, **options):
        membership = Membership.objects.select_related("organization").filter(
            organization__slug=organization, user__email__iexact=email, is_active=True).first()
        if membership is None:
            raise CommandError("No active staff member with that email in that organization.")
        try:
            _token, secret = api_token_create(membership=membership, name=name, days=days,
                                              actor=Actor.system("create_api_token"))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(secret)
