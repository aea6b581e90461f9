"""Jobs (issue 19): the table of long work and its owner-only row-level-security policy."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from registry import rls

# Only a job's owner reads it (no platform-admin read either: a job holds one person's upload
# report or export); the owner starts it; only the system context (the worker) changes it.
OWNER = "owner_id = registry_user_id()"


def policy_statements():
    return [
        "ALTER TABLE registry_job ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE registry_job FORCE ROW LEVEL SECURITY",
        "CREATE POLICY registry_job__system ON registry_job "
        f"USING ({rls.SYSTEM_ONLY}) WITH CHECK ({rls.SYSTEM_ONLY})",
        f"CREATE POLICY registry_job__select ON registry_job FOR SELECT USING ({OWNER})",
        f"CREATE POLICY registry_job__insert ON registry_job FOR INSERT WITH CHECK ({OWNER})",
    ]


def drop_statements():
    return rls.drop_policy_statements("registry_job")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0006_choice_labels'),
        ('registry', '0003_rls_context_functions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40)),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('progress_done', models.PositiveIntegerField(default=0)),
                ('progress_total', models.PositiveIntegerField(blank=True, null=True)),
                ('params', models.JSONField(blank=True, default=dict)),
                ('result', models.JSONField(blank=True, null=True)),
                ('error', models.TextField(blank=True, default='')),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('claim', models.CharField(blank=True, default='', max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('organization', models.ForeignKey(blank=True, db_column='acting_for_id', db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['owner', '-created_at'], name='registry_job_owner'), models.Index(fields=['organization'], name='registry_job_organization')],
            },
        ),
        migrations.RunPython(
            rls.run_on_postgresql(policy_statements), rls.run_on_postgresql(drop_statements)
        ),
    ]
