"""The kernel takes over tables that already exist: the audit chain and periodic-job state from privacy, the
domain-event log from tilli. State only: the tables keep their names and their rows (privacy 0008 and tilli 0002
drop the models from their apps' state)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tenancy', '0008_model_names'),
        ('privacy', '0007_request_transitions'),
        ('tilli', '0001_domain_event_log'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='PeriodicJob',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True)),
                    ('next_run_at', models.DateTimeField()),
                    ('last_enqueued_at', models.DateTimeField(blank=True, null=True)),
                ],
                options={
                    'verbose_name': 'periodic job',
                    'verbose_name_plural': 'periodic jobs',
                    'db_table': 'privacy_periodicjob',
                },
            ),
            migrations.CreateModel(
                name='EventRecord',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=60, verbose_name='event')),
                    ('organization_id', models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='organization')),
                    ('payload', models.JSONField(verbose_name='ids')),
                    ('published_at', models.DateTimeField(verbose_name='published')),
                ],
                options={
                    'verbose_name': 'domain event',
                    'verbose_name_plural': 'domain events',
                    'db_table': 'tilli_event',
                    'indexes': [models.Index(fields=['published_at'], name='event_published')],
                },
            ),
            migrations.CreateModel(
                name='AuditChainHead',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('seq', models.PositiveBigIntegerField(default=0)),
                    ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization')),
                ],
                options={
                    'verbose_name': 'access log chain head',
                    'verbose_name_plural': 'access log chain heads',
                    'db_table': 'privacy_auditchainhead',
                    'constraints': [models.UniqueConstraint(fields=('organization',), name='audit_head_unique_org')],
                },
            ),
            migrations.CreateModel(
                name='AuditEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('seq', models.PositiveBigIntegerField()),
                    ('created_at', models.DateTimeField()),
                    ('actor_kind', models.CharField(choices=[('user', 'Staff member'), ('api', 'Staff member via the API'), ('client', 'Client'), ('system', 'System')], max_length=10)),
                    ('actor_user_id', models.BigIntegerField(blank=True, null=True)),
                    ('actor_label', models.CharField(blank=True, max_length=200)),
                    ('actor_role', models.CharField(blank=True, max_length=20)),
                    ('subject_ref', models.UUIDField(blank=True, null=True)),
                    ('action', models.CharField(choices=[('view', 'Viewed'), ('search', 'Searched'), ('create', 'Created'), ('update', 'Changed'), ('delete', 'Deleted'), ('export', 'Exported'), ('reveal', 'Revealed a protected value'), ('grant', 'Granted access'), ('revoke', 'Revoked access')], max_length=10)),
                    ('object_type', models.CharField(max_length=60)),
                    ('object_id', models.CharField(blank=True, max_length=64)),
                    ('changed_fields', models.JSONField(default=list)),
                    ('detail', models.JSONField(default=dict)),
                    ('ip', models.CharField(blank=True, max_length=45)),
                    ('prev_hash', models.CharField(max_length=64)),
                    ('hash', models.CharField(max_length=64)),
                    ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization')),
                ],
                options={
                    'verbose_name': 'audit event',
                    'verbose_name_plural': 'audit events',
                    'db_table': 'privacy_auditevent',
                    'indexes': [models.Index(fields=['organization', 'subject_ref', 'seq'], name='audit_subject'), models.Index(fields=['organization', 'actor_user_id', 'seq'], name='audit_actor')],
                    'constraints': [models.UniqueConstraint(fields=('organization', 'seq'), name='audit_unique_seq')],
                },
            ),
            migrations.CreateModel(
                name='EventDelivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('subscriber', models.CharField(max_length=150, verbose_name='subscriber')),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('done', 'Done'), ('failed', 'Failed (gave up)')], default='pending', max_length=10, verbose_name='status')),
                    ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                    ('next_attempt_at', models.DateTimeField(verbose_name='next attempt')),
                    ('last_error', models.CharField(blank=True, max_length=100, verbose_name='last error')),
                    ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done')),
                    ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='kernel.eventrecord', verbose_name='event')),
                ],
                options={
                    'verbose_name': 'event delivery',
                    'verbose_name_plural': 'event deliveries',
                    'db_table': 'tilli_event_delivery',
                    'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='event_delivery_due')],
                    'constraints': [models.UniqueConstraint(fields=('event', 'subscriber'), name='event_delivery_once')],
                },
            ),
            ]),
    ]
