"""A planned start date is needed to publish a project (IATI needs a start date, rule 6.11.1;
issue 20). It leaves the optional fields that make up the completeness score, so the stored
scores of the existing projects are computed again. A migration keeps its own copy of the
optional fields as they are now (projects.domain.content.OPTIONAL_FIELDS at this time).
"""

from django.db import migrations

PROJECT_OPTIONAL_FIELDS = (
    "description",
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
)
EMPTY = (None, "", [], {})


def score_projects(apps, schema_editor):
    project_model = apps.get_model("projects", "project")
    linked = set(
        apps.get_model("projects", "projectzone").objects.values_list("project_id", flat=True)
    )
    changed = []
    for project in project_model.objects.all().iterator():
        filled = sum(
            project.pk in linked if name == "zones" else getattr(project, name) not in EMPTY
            for name in PROJECT_OPTIONAL_FIELDS
        )
        project.completeness = round(100 * filled / len(PROJECT_OPTIONAL_FIELDS))
        changed.append(project)
    project_model.objects.bulk_update(changed, ["completeness"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("projects", "0010_webhooks")]

    operations = [migrations.RunPython(score_projects, migrations.RunPython.noop)]
