"""Partner webhooks (issue 19): subscriptions and their deliveries, with row-level security.

* subscriptions: seen, made, changed and ended by the owner organization's admins (and platform
  admins read them); the worker changes them (pausing) in the system context;
* deliveries: seen (and removed with their subscription) by the owner organization's admins;
  written by the system context only (the worker, and the hook that queues them).
"""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

from registry import rls
from registry.rls import in_organizations

ADMIN = in_organizations("organization_id", "admin_of")
POLICIES = {
    "projects_webhooksubscription": dict(read=ADMIN, insert=ADMIN, update=ADMIN, delete=ADMIN),
    "projects_webhookdelivery": dict(read=ADMIN, delete=ADMIN),
}


def statements():
    for table, policy in POLICIES.items():
        yield from rls.policy_statements(table, **policy)


def drop_statements():
    for table in POLICIES:
        yield from rls.drop_policy_statements(table)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_choice_labels'),
        ('projects', '0009_participation_order_tie_breaker'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=500)),
                ('events', models.JSONField(default=list)),
                ('record_types', models.JSONField(default=list)),
                ('secret', models.CharField(max_length=100)),
                ('state', models.CharField(choices=[('active', 'Active'), ('paused', 'Paused')], default='active', max_length=10)),
                ('consecutive_failures', models.PositiveIntegerField(default=0)),
                ('paused_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization')),
            ],
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_rows_for_internal_use', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.UUIDField()),
                ('event', models.CharField(choices=[('published', 'Published'), ('updated', 'Updated'), ('archived', 'Archived')], max_length=20)),
                ('record_type', models.CharField(max_length=20)),
                ('identifier', models.CharField(max_length=120)),
                ('payload', models.JSONField()),
                ('state', models.CharField(choices=[('pending', 'Pending'), ('succeeded', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('response_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('response_body', models.TextField(blank=True, default='')),
                ('error', models.TextField(blank=True, default='')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('delivered_at', models.DateTimeField(blank=True, null=True)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization')),
                ('subscription', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='projects.webhooksubscription')),
            ],
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_rows_for_internal_use', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name='webhooksubscription',
            index=models.Index(fields=['state'], name='projects_webhook_state'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(fields=['subscription', '-created_at'], name='projects_delivery_sub'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(fields=('organization', 'subscription', 'event_id'), name='projects_delivery_event_once'),
        ),
        migrations.RunPython(
            rls.run_on_postgresql(statements), rls.run_on_postgresql(drop_statements)
        ),
    ]
