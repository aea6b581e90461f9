"""Documents as files on records (issue 18), with their row-level security policy.

Like the records' links: a document is seen when its record is (read from the copy of the
record's state the row carries), added and removed by the owner's editors and admins; its copy
changes only in the system context (projects/domain/rls_copies.py).
"""

import django.db.models.deletion
import django.db.models.manager
import projects.models
from django.conf import settings
from django.db import migrations, models

from registry import rls
from registry.rls import any_of, in_organizations, one_of

PUBLIC = ["published", "archived"]
PLATFORM = ["submitted", "changes_requested", "rejected", "published", "archived"]
EDITOR = in_organizations("organization_id", "editor_of")
POLICY = dict(
    read=any_of(
        in_organizations("organization_id", "member_of"),
        one_of("record_state", PUBLIC),
        rls.all_of(rls.REVIEWER, one_of("record_state", PLATFORM)),
    ),
    insert=EDITOR,
    delete=EDITOR,
)


def statements():
    yield from rls.policy_statements("projects_recorddocument", **POLICY)


def drop_statements():
    yield from rls.drop_policy_statements("projects_recorddocument")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_language_invitations_applications"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("projects", "0012_search_under_rls"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField()),
                ("title", models.CharField(max_length=200)),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        storage=projects.models.document_storage,
                        upload_to=projects.models.document_path,
                    ),
                ),
                ("size", models.PositiveBigIntegerField()),
                ("media_type", models.CharField(max_length=100)),
                ("extension", models.CharField(max_length=10)),
                ("sha256", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "record_state",
                    models.CharField(blank=True, default="", editable=False, max_length=20),
                ),
                (
                    "content_type",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["organization_id", "content_type_id", "object_id", "id"],
                "abstract": False,
                "base_manager_name": "all_rows_for_internal_use",
                "indexes": [
                    models.Index(fields=["content_type", "object_id"], name="document_record")
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_rows_for_internal_use", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(
            rls.run_on_postgresql(statements), rls.run_on_postgresql(drop_statements)
        ),
    ]
