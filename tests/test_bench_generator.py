"""The benchmark's data and its B0 reference stay true to the application (bench/).

Not a benchmark (nothing here is timed): the generator's code runs at a tiny size with every
constraint checked at once, every row passes the models' own validation, and the public API
lists, shows and announces what it made. B0, the raw reference app, must keep answering the
same JSON as our API, or its figures stop meaning anything. And the application never imports
the benchmark.
"""

from __future__ import annotations

import ast
import json
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from accounts.domain.services import check_identifier_prefix
from accounts.models import Membership, Organization, User
from bench.generate import Plan, generate
from projects.models import (
    AuditEntry,
    Contact,
    ContactProject,
    ContactZone,
    Participation,
    Project,
    ProjectRelation,
    ProjectZone,
    Zone,
)
from registry.models import system_access

PROJECTS = 50
ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("accounts", "projects", "registry")


def walk(client: Client, url: str) -> list[dict]:
    rows = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


# The generator loads with PostgreSQL's COPY.
postgres_only = pytest.mark.postgres_only


@pytest.fixture
def generated(db):
    return generate(connection, PROJECTS)


@postgres_only
def test_every_generated_row_is_valid_for_the_models(generated):
    plan = Plan(PROJECTS)
    with system_access("test: read back what the generator wrote"):
        assert Project.objects.filter(workflow_state="published").count() == PROJECTS
        assert Project.objects.exclude(workflow_state="published").count() == plan.drafts
        assert Organization.objects.count() == plan.organizations
        assert (Zone.objects.count(), Contact.objects.count()) == (plan.zones, plan.contacts)
        for model in (Organization, User, Membership, Zone, Project, Contact, Participation):
            for row in model._default_manager.all():
                row.full_clean()
        for organization in Organization.objects.all():
            check_identifier_prefix(organization.identifier_prefix, exclude_pk=organization.pk)
        for model in (ProjectZone, ContactZone, ContactProject, ProjectRelation):
            assert model.objects.exists(), model
        published = Project.objects.filter(workflow_state="published")
        assert all(p.confirmed_at and p.published_at and p.version >= 1 for p in published)
        assert set(published.values_list("completeness", flat=True)) - {0} != set()
        approvals = AuditEntry.objects.filter(action="approve").count()
        assert approvals >= PROJECTS + plan.zones + plan.contacts


@postgres_only
def test_generated_rows_carry_the_copies_the_application_keeps(generated):
    """The generator bypasses the ORM, so it must write what the services would: the row-level
    security copies (projects.domain.rls_copies), the public version and time (issue 10) and
    the list ETags' change counters (projects.domain.public_metadata)."""
    from projects.domain import rls_copies as visibility_copies
    from projects.models import ChangeCounter

    with system_access("test: compare the generated copies with the services' own"):
        for model in (Project, Zone, Contact):
            for record in model.objects.all():
                assert record.public_version == record.version
                assert record.public_updated_at == record.updated_at
        states = {p.pk: p.workflow_state for p in Project.objects.all()}
        owners = {p.pk: p.organization_id for p in Project.objects.all()}
        zone_owners = {z.pk: z.organization_id for z in Zone.objects.all()}
        assert len(set(states.values())) > 1  # published and unpublished projects
        for link in ProjectZone.all_rows_for_internal_use.all():
            assert link.project_state == states[link.project_id]
            assert (link.zone_organization_id, link.zone_state) == (
                zone_owners[link.zone_id],
                "published",
            )
        for link in ContactProject.all_rows_for_internal_use.all():
            assert link.contact_state == "published"
            assert link.project_organization_id == owners[link.project_id]
            assert link.project_state == states[link.project_id]
        for link in ContactZone.all_rows_for_internal_use.all():
            assert link.zone_organization_id == zone_owners[link.zone_id]
        for relation in ProjectRelation.all_rows_for_internal_use.all():
            assert relation.project_state == states[relation.project_id]
            assert relation.related_organization_id == owners[relation.related_id]
            assert relation.related_state == states[relation.related_id]
        for participation in Participation.all_rows_for_internal_use.all():
            assert participation.project_state == states[participation.project_id]
        for project in Project.objects.all():
            generated_copy = list(project.shared_with)
            visibility_copies.refresh_shared_with(project)
            assert generated_copy == project.shared_with
        scopes = set(ChangeCounter.objects.values_list("scope", flat=True))
        assert "public" in scopes and all(f"org:{o}" in scopes for o in set(owners.values()))


@postgres_only
def test_the_api_lists_shows_and_announces_the_generated_projects(generated):
    client = Client()
    listed = walk(client, "/api/v1/projects/?page_size=20")
    with system_access("test: compare with the published rows"):
        published = set(
            Project.objects.filter(workflow_state="published").values_list("identifier", flat=True)
        )
    assert sorted(row["identifier"] for row in listed) == sorted(published)
    assert {row["freshness"] for row in listed} <= {"current", "stale", "inactive"}
    assert any(row["participants"] for row in listed) and any(row["zones"] for row in listed)
    detail = client.get(f"/api/v1/projects/{listed[0]['identifier']}/")
    assert detail.status_code == 200 and detail.json()["participants"]
    assert client.get("/api/v1/projects/?q=train").status_code == 200
    events = client.get("/api/v1/changes/?page_size=500").json()["results"]
    assert {event["type"] for event in events} == {"projects", "zones", "contacts"}
    assert published <= {event["identifier"] for event in events}


def b0_get(path: str, query: str = "") -> tuple[str, dict]:
    from bench import b0_raw

    environ = {
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
    }
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(b0_raw.application(environ, start_response))
    return answer["status"], json.loads(body)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_b0_answers_the_same_json_as_our_api(monkeypatch):
    """B0 reads over its own connection, so the data is committed (a transactional test)."""
    from bench import b0_raw

    generate(connection, PROJECTS)
    settings = connection.settings_dict
    monkeypatch.setenv(
        "BENCH_DATABASE_URL",
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
    )
    monkeypatch.setattr(b0_raw, "_connection", None)
    monkeypatch.setenv("SECRET_KEY", django_settings.SECRET_KEY)  # B0 signs cursors as ours
    client = Client()
    first = client.get("/api/v1/projects/?page_size=7").json()
    deep = first["next"].split("?", 1)[1]
    # A cursor B0 signs is one ours takes, and the other way round (the runner relies on it).
    third = first["results"][2]["identifier"]
    ours_after_third = client.get(f"/api/v1/projects/?cursor={b0_raw.encode_cursor(third)}")
    assert ours_after_third.status_code == 200
    assert ours_after_third.json()["results"][0]["identifier"] == first["results"][3]["identifier"]
    for path, query in (
        ("/api/v1/projects/", "page_size=7"),
        ("/api/v1/projects/", deep),
        ("/api/v1/projects/", "q=train&page_size=100"),
        ("/api/v1/projects/", "country=KZ&page_size=100"),
        (f"/api/v1/projects/{first['results'][3]['identifier']}/", ""),
        ("/api/v1/changes/", "page_size=30"),
    ):
        status, b0 = b0_get(path, query)
        ours = client.get(f"{path}?{query}").content.decode()
        assert status == "200 OK"
        # Signed cursors carry the second they were signed in: compare what they point at.
        assert json.loads(b0_raw.unsigned(json.dumps(b0))) == json.loads(b0_raw.unsigned(ours))
    b0_raw.connection().close()


def test_the_application_never_imports_the_benchmark():
    importers = []
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                if any(name == "bench" or name.startswith("bench.") for name in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert importers == []
