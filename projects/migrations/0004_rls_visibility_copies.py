"""Copies of record state for the row-level security policies (projects/visibility_copies.py).

Adds the columns and fills them for the rows that exist. Runs in the system context, as every
migration does (registry.apps), so that it sees every organization's rows.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


LINKS = {
    # link model: (source field, source model, target field, target model)
    "projectzone": ("project", "project", "zone", "zone"),
    "contactzone": ("contact", "contact", "zone", "zone"),
    "contactproject": ("contact", "contact", "project", "project"),
    "projectrelation": ("project", "project", "related", "project"),
}


def _state_of(apps, model_name, pk_field):
    Record = apps.get_model("projects", model_name)
    return Subquery(Record.objects.filter(pk=OuterRef(pk_field)).values("workflow_state")[:1])


def _organization_of(apps, model_name, pk_field):
    Record = apps.get_model("projects", model_name)
    return Subquery(Record.objects.filter(pk=OuterRef(pk_field)).values("organization_id")[:1])


def fill_copies(apps, schema_editor):
    for link, (source, source_model, target, target_model) in LINKS.items():
        apps.get_model("projects", link).objects.update(
            **{
                f"{source}_state": _state_of(apps, source_model, f"{source}_id"),
                f"{target}_organization_id": _organization_of(apps, target_model, f"{target}_id"),
                f"{target}_state": _state_of(apps, target_model, f"{target}_id"),
            }
        )
    Participation = apps.get_model("projects", "Participation")
    Participation.objects.update(project_state=_state_of(apps, "project", "project_id"))
    Project = apps.get_model("projects", "Project")
    shared: dict[int, set[str]] = {}
    for project_id, owner_id, participant_id in Participation.objects.values_list(
        "project_id", "organization_id", "participant_id"
    ):
        if participant_id != owner_id:
            shared.setdefault(project_id, set()).add(str(participant_id))
    for project_id, organizations in shared.items():
        Project.objects.filter(pk=project_id).update(shared_with=sorted(organizations, key=int))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('projects', '0003_record_completeness'),
    ]

    operations = [
        migrations.AddField(
            model_name='contactproject',
            name='contact_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='contactproject',
            name='project_organization',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization'),
        ),
        migrations.AddField(
            model_name='contactproject',
            name='project_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='contactzone',
            name='contact_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='contactzone',
            name='zone_organization',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization'),
        ),
        migrations.AddField(
            model_name='contactzone',
            name='zone_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='participation',
            name='project_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='project',
            name='shared_with',
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name='projectrelation',
            name='project_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='projectrelation',
            name='related_organization',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization'),
        ),
        migrations.AddField(
            model_name='projectrelation',
            name='related_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='projectzone',
            name='project_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='projectzone',
            name='zone_organization',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organization'),
        ),
        migrations.AddField(
            model_name='projectzone',
            name='zone_state',
            field=models.CharField(blank=True, default='', editable=False, max_length=20),
        ),
        migrations.RunPython(fill_copies, migrations.RunPython.noop),
    ]
