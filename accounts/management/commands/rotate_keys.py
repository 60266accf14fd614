from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.mfa_secrets import reseal_all as reseal_mfa_secrets
from tenancy.keyring import rewrap_all
from tenancy.models import Organization
from tenancy.rotation import encrypted_models, rotate_data_key


class Command(BaseCommand):
    help = ("Rewrap every organization key and re-seal every two-factor secret with the first master key in "
            "TILLI_MASTER_KEYS; with --data, also move every protected value to a new data key.")

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Only this organization (slug).")
        parser.add_argument("--data", action="store_true", help="Also rotate the data keys (re-encrypts values).")

    def handle(self, *args, organization: str | None, data: bool, **options):
        organizations = Organization.objects.order_by("pk")
        if organization:
            organizations = organizations.filter(slug=organization)
            if not organizations:
                raise CommandError(f"No organization with the slug {organization!r}.")
        for org in organizations:
            rewrapped = rewrap_all(org.pk)
            line = f"{org.slug}: {rewrapped} keys rewrapped"
            if data:
                total = sum(m.objects.filter(organization_id=org.pk).count() for m, _ in encrypted_models())
                with tqdm(total=total, desc=f"{org.slug} re-encrypting", unit="row", file=self.stderr) as bar:
                    rows = rotate_data_key(org.pk, progress=bar)
                line += f", {rows} rows re-encrypted under a new data key"
            self.stdout.write(line)
        if not organization:  # two-factor secrets belong to people, not to an organization
            self.stdout.write(f"two-factor secrets: {reseal_mfa_secrets()} re-sealed")
