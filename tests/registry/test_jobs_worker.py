"""Jobs on a real worker (issue 19, marker `worker`): `celery -A registry worker` against Redis
and the test database (tests/worker.py). Transactional: the worker sees committed rows only."""

from __future__ import annotations

import hashlib
import io

import pytest
from rest_framework.test import APIClient

from projects.models import Contact
from registry.models import Job
from registry.tenancy import Actor, visible
from tests.factories import OrganizationFactory, member
from tests.projects.io.conftest import body, file_of

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def upload(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def importer(db):
    organization = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    return organization, member(organization, "editor", username="worker-editor")


def test_an_import_of_5000_rows_through_the_api_runs_on_the_worker(
    celery_worker_process, importer, settings
):
    settings.IMPORT_JOB_THRESHOLD_BYTES = 1024
    organization, editor = importer
    client = APIClient()
    client.force_login(editor)
    data = file_of("csv", "contacts", 5000)
    response = client.post(
        "/api/v1/contacts/import/", {"file": upload(data, "c.csv")}, format="multipart"
    )
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"

    job = celery_worker_process.wait_for(response.json()["id"], timeout=600)
    assert job.state == "succeeded", (job.error, job.result)
    answer = client.get(response["Location"]).json()
    assert answer["result"]["created"] == 5000
    assert answer["progress"]["done"] == answer["progress"]["total"] == 5000
    owned = visible(Actor(platform_role="platform_admin"), Contact)
    assert owned.filter(organization=organization).count() == 5000
    assert job.attempts == 1


def test_an_export_job_on_the_worker_equals_the_streamed_export(celery_worker_process, importer):
    organization, editor = importer
    from projects.io.importing import import_file

    data = file_of("csv", "contacts", 30)
    import_file(
        Actor.for_user(editor),
        organization,
        Contact,
        io.BytesIO(data),
        "c.csv",
        len(data),
        dry_run=False,
    )
    client = APIClient()
    client.force_login(editor)
    streamed = body(client.get("/api/v1/contacts/export.csv"))
    response = client.post("/api/v1/contacts/export-jobs/", {"format": "csv"}, format="json")
    assert response.status_code == 202

    job = celery_worker_process.wait_for(response.json()["id"])
    assert job.state == "succeeded", job.error
    downloaded = body(client.get(job.result["url"]))
    assert downloaded == streamed
    assert job.result["sha256"] == hashlib.sha256(streamed).hexdigest()
    assert Job.objects.filter(pk=job.pk, attempts=1).exists()
