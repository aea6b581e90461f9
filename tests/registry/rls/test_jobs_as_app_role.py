"""Jobs and webhooks as the application's least-privilege role, under row-level security
(issue 19): the flows work with the policies of registry/0004_jobs and projects/0010_webhooks,
and the policies hold the owner-only and admins-only lines themselves."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from rest_framework.test import APIClient

from projects.models import WebhookDelivery, Zone
from registry import rls
from tests.factories import OrganizationFactory, member
from tests.projects.factories import act, create
from tests.projects.io.conftest import file_of

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role, settings, tmp_path):
    settings.JOB_FILES_ROOT = tmp_path / "jobs"
    settings.IMPORT_JOB_THRESHOLD_BYTES = 0
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def people():
    with rls.system_context("test setup"):
        org = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
        other = OrganizationFactory(slug="almaty", identifier_prefix="KZ-ALA", country="KZ")
        secretariat = OrganizationFactory(slug="sec", identifier_prefix="SRR", kind="secretariat")
        editor = member(org, "editor", username="editor-a")
        admin = member(org, "admin", username="admin-a", email="admin@xian.example")
        stranger = member(other, "admin", username="admin-b")
        reviewer = member(secretariat, "viewer", username="reviewer")
        reviewer.platform_role = "reviewer"
        reviewer.save()
    return org, editor, admin, stranger, reviewer


def raw_job_ids(user_id: int) -> set[int]:
    with rls.acting(rls.Context(user_id=user_id)), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM registry_job")
        return {row[0] for row in cursor.fetchall()}


def test_an_import_job_runs_and_only_its_owner_reads_it(people, django_capture_on_commit_callbacks):
    org, editor, admin, stranger, _ = people
    client = APIClient()
    client.force_login(editor)
    data = file_of("csv", "contacts", 2)
    upload = io.BytesIO(data)
    upload.name = "c.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/contacts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    answer = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert (answer["state"], answer["result"]["created"]) == ("succeeded", 2), answer

    assert raw_job_ids(editor.pk) == {job_id}
    assert raw_job_ids(admin.pk) == set()  # not even the organization's admin
    assert raw_job_ids(stranger.pk) == set()
    other = APIClient()
    other.force_login(admin)
    assert other.get(f"/api/v1/jobs/{job_id}/").status_code == 404
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_job")
        assert cursor.fetchone()[0] == 0  # no context: no job


def test_a_publication_becomes_a_delivery_the_admins_read(
    people, django_capture_on_commit_callbacks
):
    org, editor, admin, stranger, reviewer = people
    client = APIClient()
    client.force_login(admin)
    response = client.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "events": ["published"], "record_types": ["zones"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    hook = response.json()["id"]
    with (
        django_capture_on_commit_callbacks(execute=True),
        rls.system_context("test setup: the workflow, outside a request"),
    ):
        act(reviewer, act(editor, create_zone(org, editor), "submit"), "approve")
    log = client.get(f"/api/v1/webhooks/{hook}/deliveries/").json()["results"]
    assert [(d["event"], d["state"]) for d in log] == [("published", "pending")]  # port 9: refused
    assert log[0]["error"]
    with rls.acting(rls.Context(user_id=stranger.pk, admin_of=frozenset({999}))):
        assert not WebhookDelivery.objects.unscoped("raw check").exists()


def create_zone(org, editor):
    return create(Zone, org, editor)
