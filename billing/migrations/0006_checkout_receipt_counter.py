"""Receipts continue the numbers of the payments recorded by hand before the counter.

The legacy payments keep their receipt numbers (1..N per organization); the first receipt of the counter
gets N+1, so the organization's receipt numbers stay one series without gaps or duplicates."""

from django.db import migrations
from django.db.models import Max


def continue_after_payments(apps, schema_editor):
    Payment = apps.get_model("billing", "Payment")
    DocumentCounter = apps.get_model("billing", "DocumentCounter")
    rows = Payment.objects.values("organization_id").annotate(last=Max("receipt_number"))
    for row in rows:
        counter, _created = DocumentCounter.objects.get_or_create(
            organization_id=row["organization_id"], series="receipt", year=0, defaults={"last": 0})
        if counter.last < row["last"]:
            counter.last = row["last"]
            counter.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_checkout_credited_line")]

    operations = [migrations.RunPython(continue_after_payments, migrations.RunPython.noop)]
