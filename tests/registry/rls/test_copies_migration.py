"""projects/migrations/0004 fills the row-level security copies of rows that already exist.

A database migrated before the copies existed has links and participations without them; the
migration computes them from the records, so that no row becomes invisible (or visible) when the
policies arrive in 0005. Runs on both databases (the copies are plain columns).
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("projects", "0003_record_completeness")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_copies_of_existing_rows():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE)
    try:
        Organization = old.get_model("accounts", "Organization")
        User = old.get_model("accounts", "User")
        owner = Organization.objects.create(
            slug="xian",
            name={"en": "Xi'an"},
            kind="local_government",
            country="CN",
            identifier_prefix="CN-XIAN",
        )
        partner = Organization.objects.create(
            slug="almaty",
            name={"en": "Almaty"},
            kind="local_government",
            country="KZ",
            identifier_prefix="KZ-ALA",
        )
        user = User.objects.create(username="li")
        project = old.get_model("projects", "Project").objects.create(
            organization=owner,
            identifier="CN-XIAN-P-0001",
            title={"en": "Train"},
            category="other",
            created_by=user,
            workflow_state="draft",
        )
        zone = old.get_model("projects", "Zone").objects.create(
            organization=partner,
            identifier="KZ-ALA-Z-0001",
            name={"en": "Zone"},
            kind="other",
            created_by=user,
            workflow_state="published",
        )
        link = old.get_model("projects", "ProjectZone").objects.create(
            organization=owner, project=project, zone=zone
        )
        participation = old.get_model("projects", "Participation").objects.create(
            organization=owner,
            project=project,
            participant=partner,
            role="partner",
            requested_by=user,
        )
    finally:
        new = migrate(latest)
    link = new.get_model("projects", "ProjectZone").objects.get(pk=link.pk)
    assert (link.project_state, link.zone_organization_id, link.zone_state) == (
        "draft",
        partner.pk,
        "published",
    )
    assert (
        new.get_model("projects", "Participation").objects.get(pk=participation.pk).project_state
        == "draft"
    )
    assert new.get_model("projects", "Project").objects.get(pk=project.pk).shared_with == [
        str(partner.pk)
    ]
