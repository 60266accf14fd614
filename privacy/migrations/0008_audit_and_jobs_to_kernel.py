"""The audit chain and periodic-job state moved to the kernel app (kernel 0001): state only, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('privacy', '0007_request_transitions'),
        ('kernel', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='AuditEvent'),
            migrations.DeleteModel(name='AuditChainHead'),
            migrations.DeleteModel(name='PeriodicJob'),
        ]),
    ]
