"""Completeness (SPEC 5 "Freshness and completeness") stored per record, so lists filter in SQL.

The data step scores the rows that exist already. It keeps its own copy of the optional fields as
they are today (a migration must not change meaning when projects.domain.content changes later); from
here on the services keep the column up to date (projects.domain.content.refresh_completeness).
"""

from django.conf import settings
from django.db import migrations, models

# projects.domain.content.OPTIONAL_FIELDS at the time of this migration.
OPTIONAL_FIELDS = {
    "project": (
        "description",
        "planned_start",
        "actual_start",
        "planned_end",
        "actual_end",
        "locations",
        "zones",
        "budget_amount",
        "budget_currency",
        "website",
        "documents",
        "expected_outcomes",
    ),
    "zone": (
        "description",
        "border_crossings",
        "established_on",
        "governing_body",
        "policies",
        "lifecycle_status",
    ),
    "contact": (
        "provider",
        "phone",
        "email",
        "website",
        "languages",
        "hours",
        "countries",
        "zones",
        "projects",
        "valid_from",
        "valid_until",
    ),
}
# Link fields: (link model, column naming the record).
LINKS = {
    ("project", "zones"): ("projectzone", "project_id"),
    ("contact", "zones"): ("contactzone", "contact_id"),
    ("contact", "projects"): ("contactproject", "contact_id"),
}
EMPTY = (None, "", [], {})


def score_existing_records(apps, schema_editor):
    for model_name, optional in OPTIONAL_FIELDS.items():
        model = apps.get_model("projects", model_name)
        linked = {
            name: set(apps.get_model("projects", table).objects.values_list(column, flat=True))
            for (owner, name), (table, column) in LINKS.items()
            if owner == model_name
        }
        changed = []
        for record in model.objects.all().iterator():
            filled = sum(
                record.pk in linked[name] if name in linked else getattr(record, name) not in EMPTY
                for name in optional
            )
            record.completeness = round(100 * filled / len(optional))
            changed.append(record)
        model.objects.bulk_update(changed, ["completeness"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("projects", "0002_audit_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=model_name,
                name="completeness",
                field=models.PositiveSmallIntegerField(default=0, editable=False),
            )
            for model_name in ("contact", "project", "zone")
        ],
        *[
            migrations.AddConstraint(
                model_name=model_name,
                constraint=models.CheckConstraint(
                    condition=models.Q(("completeness__lte", 100)),
                    name=f"{model_name}_completeness_percent",
                ),
            )
            for model_name in ("contact", "project", "zone")
        ],
        migrations.RunPython(score_existing_records, migrations.RunPython.noop),
    ]
