"""Jobs on a real worker (issue 19, marker `worker`): `celery -A registry worker` against Redis
and the test database (tests/worker.py). Transactional: the worker sees committed rows only."""

from __future__ import annotations

import hashlib
import io
import time

import pytest
from rest_framework.test import APIClient

from projects.models import Contact
from registry.models import Job
from registry.tenancy import Actor, visible
from tests.factories import OrganizationFactory, member
from tests.projects.io.conftest import body, file_of, flat_file, rows_of

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def upload(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def importer(db):
    organization = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    return organization, member(organization, "editor", username="worker-editor")


def import_as_job(editor, data: bytes, query: str = "", **headers):
    """POST a contacts file to the API as `editor`: (the client, its 202 answer)."""
    client = APIClient()
    client.force_login(editor)
    response = client.post(
        f"/api/v1/contacts/import/{query}",
        {"file": upload(data, "c.csv")},
        format="multipart",
        **headers,
    )
    assert response.status_code == 202, response.content
    return client, response


def test_an_import_of_5000_rows_through_the_api_runs_on_the_worker(
    celery_worker_process, importer, settings
):
    settings.IMPORT_JOB_THRESHOLD_BYTES = 1024
    organization, editor = importer
    client, response = import_as_job(editor, file_of("csv", "contacts", 5000))
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"

    job = celery_worker_process.wait_for(response.json()["id"], timeout=600)
    assert job.state == "succeeded", (job.error, job.result)
    answer = client.get(response["Location"]).json()
    assert answer["result"]["created"] == 5000
    assert answer["progress"]["done"] == answer["progress"]["total"] == 5000
    owned = visible(Actor(platform_role="platform_admin"), Contact)
    assert owned.filter(organization=organization).count() == 5000
    assert job.attempts == 1


def test_a_job_speaks_the_language_of_the_request_that_started_it(
    celery_worker_process, importer, settings
):
    """The worker has no request: the import's errors come back in the starter's language."""
    settings.IMPORT_JOB_THRESHOLD_BYTES = 0
    _organization, editor = importer
    rows = rows_of("csv", "contacts", 2)
    rows[1]["unknown_column"] = "x"
    _client, response = import_as_job(
        editor, flat_file("csv", rows), "?dry_run=1", HTTP_ACCEPT_LANGUAGE="ru"
    )

    job = celery_worker_process.wait_for(response.json()["id"])
    assert job.state == "failed"
    assert "ничего не импортировано" in job.error
    (error,) = job.result["errors"]
    assert error["column"] == "unknown_column"
    assert error["message"].startswith("неизвестный столбец 'unknown_column'")


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


def test_a_webhook_is_delivered_by_the_worker_retried_and_signed(
    celery_worker_process, importer, settings
):
    """The receiver fails once: the worker retries after its backoff (2 s), then delivers; the
    receiver verifies the signature with the secret it was shown."""
    from projects.models import WebhookDelivery, Zone
    from tests.projects.api.test_webhooks import Receiver, verify
    from tests.projects.factories import act, create

    settings.WEBHOOK_ALLOW_PRIVATE = True
    organization, editor = importer
    admin = member(organization, "admin", username="worker-admin")
    secretariat = OrganizationFactory(slug="sec", identifier_prefix="SRR", kind="secretariat")
    reviewer = member(secretariat, "viewer", username="worker-reviewer")
    reviewer.platform_role = "reviewer"
    reviewer.save()
    receiver = Receiver()
    try:
        client = APIClient()
        client.force_login(admin)
        secret = client.post(
            "/api/v1/webhooks/",
            {"url": receiver.url, "events": ["published"], "record_types": ["zones"]},
            format="json",
        ).json()["secret"]
        receiver.status = 500
        act(reviewer, act(editor, create(Zone, organization, editor), "submit"), "approve")
        deadline = time.monotonic() + 60
        while len(receiver.received) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        receiver.status = 200
        delivery = WebhookDelivery.objects.unscoped("test")
        while time.monotonic() < deadline and not delivery.filter(state="succeeded").exists():
            time.sleep(0.2)
        (done,) = delivery.all()
        assert (done.state, done.attempts) == ("succeeded", 2), (
            celery_worker_process.log.read_text()[-2000:]
        )
        first, second = receiver.received
        assert first["headers"]["X-Registry-Event-Id"] == second["headers"]["X-Registry-Event-Id"]
        assert verify(secret, second["headers"]["X-Registry-Signature"], second["body"])
    finally:
        receiver.close()
