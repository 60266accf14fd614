"""The domain-event log moved to the kernel app (kernel 0001): state only, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tilli', '0001_domain_event_log'),
        ('kernel', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='EventDelivery'),
            migrations.DeleteModel(name='EventRecord'),
        ]),
    ]
