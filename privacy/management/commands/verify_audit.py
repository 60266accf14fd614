from django.core.management.base import BaseCommand, CommandError

from kernel.audit import verify
from tenancy.models import Organization


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log of every (or one) organization."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="The organization's slug; all of them if omitted.")

    def handle(self, *args, organization: str | None, **options):
        organizations = Organization.objects.order_by("pk")
        if organization:
            organizations = organizations.filter(slug=organization)
            if not organizations:
                raise CommandError(f"No organization with the slug {organization!r}.")
        broken = 0
        for org in organizations:
            result = verify(org)
            if result.ok:
                self.stdout.write(f"{org.slug}: OK, {result.checked} events, head {result.head_seq} "
                                  f"{result.head_hash[:16]}")
            else:
                broken += 1
                self.stdout.write(f"{org.slug}: BROKEN after checking {result.checked} events")
                for problem in result.problems:
                    self.stdout.write(f"  - {problem}")
        if broken:
            raise CommandError(f"The audit log of {broken} organization(s) has been tampered with.")
