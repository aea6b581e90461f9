"""Exports of any size (issue 19): `POST {type}/export-jobs/` builds the file in the background,
and a stream too large to finish within the server's timeout is refused (413), never cut."""

from __future__ import annotations

import hashlib

import pytest

from registry.models import Job
from tests.projects.io import test_export
from tests.projects.io.conftest import body
from tests.projects.io.test_export import client_for, identifiers

catalogue = test_export.catalogue  # the fixture: a draft and a published record of each type


@pytest.fixture
def job_files(settings, tmp_path):
    settings.JOB_FILES_ROOT = tmp_path / "jobs"
    return settings.JOB_FILES_ROOT


def export_job(client, record_type, format, query="", capture=None):
    with capture(execute=True):
        response = client.post(
            f"/api/v1/{record_type}/export-jobs/{query}", {"format": format}, format="json"
        )
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"
    return client.get(response["Location"]).json()


@pytest.mark.parametrize("format", ["csv", "json", "geojson"])
def test_an_export_jobs_file_is_the_streamed_export(
    format, catalogue, editor_a, job_files, django_capture_on_commit_callbacks
):
    client = client_for(editor_a)
    streamed = body(client.get(f"/api/v1/projects/export.{format}?country=CN"))
    job = export_job(client, "projects", format, "?country=CN", django_capture_on_commit_callbacks)

    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["url"] == f"/api/v1/jobs/{job['id']}/file/"
    download = client.get(result["url"])
    assert download.status_code == 200
    data = body(download)
    assert data == streamed
    assert result["size"] == len(data)
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert 'attachment; filename="projects-' in download["Content-Disposition"]


def test_an_xlsx_export_job_holds_the_same_rows(
    catalogue, editor_a, job_files, django_capture_on_commit_callbacks
):
    client = client_for(editor_a)
    streamed = body(client.get("/api/v1/zones/export.xlsx"))
    job = export_job(client, "zones", "xlsx", capture=django_capture_on_commit_callbacks)
    data = body(client.get(job["result"]["url"]))
    assert identifiers("xlsx", data) == identifiers("xlsx", streamed)


def test_only_the_owner_downloads_an_export(
    catalogue, editor_a, editor_b, job_files, django_capture_on_commit_callbacks
):
    job = export_job(
        client_for(editor_a), "contacts", "csv", capture=django_capture_on_commit_callbacks
    )
    assert client_for(editor_b).get(job["result"]["url"]).status_code == 404
    assert client_for().get(job["result"]["url"]).status_code == 401


def test_export_jobs_refuse_bad_requests(catalogue, editor_a, job_files):
    client = client_for(editor_a)
    assert client_for().post("/api/v1/zones/export-jobs/", {"format": "csv"}).status_code == 401
    assert client.post("/api/v1/zones/export-jobs/", {}, format="json").status_code == 400
    assert client.post("/api/v1/zones/export-jobs/", [1], format="json").status_code == 400
    response = client.post("/api/v1/contacts/export-jobs/", {"format": "geojson"}, format="json")
    assert response.status_code == 406
    response = client.post("/api/v1/zones/export-jobs/", {"format": "pdf"}, format="json")
    assert response.status_code == 406
    response = client.post(
        "/api/v1/zones/export-jobs/?country=XX", {"format": "csv"}, format="json"
    )
    assert response.status_code == 400
    response = client.post("/api/v1/zones/export-jobs/?colour=red", {"format": "csv"})
    assert response.status_code == 400
    # Where a record's URL would be: no record is called export-jobs (or import).
    assert client.get("/api/v1/zones/export-jobs/").status_code == 404
    assert client.patch("/api/v1/zones/import/", {}, format="json").status_code == 404
    assert client.generic("TRACE", "/api/v1/zones/export-jobs/").status_code == 405
    assert not Job.objects.exists()


def test_a_stream_too_large_is_refused_with_a_pointer_to_export_jobs(catalogue, editor_a, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    client = client_for(editor_a)
    response = client.get("/api/v1/projects/export.csv")  # editor_a sees 3 projects
    assert response.status_code == 413
    assert response.json()["code"] == "export_too_large"
    assert "/api/v1/projects/export-jobs/" in response.json()["detail"]
    assert response.json()["export_jobs"] == "/api/v1/projects/export-jobs/"
    # Narrowed below the limit, it streams.
    response = client.get("/api/v1/projects/export.csv?workflow_state=draft")
    assert response.status_code == 200
    settings.EXPORT_STREAM_MAX_ROWS = 3
    assert client.get("/api/v1/projects/export.csv").status_code == 200


def test_the_pages_and_iati_streams_are_refused_too_when_too_large(
    catalogue, editor_a, client, settings
):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    client.force_login(editor_a)
    response = client.get("/projects/export.csv")
    assert response.status_code == 413
    assert "/api/v1/projects/export-jobs/" in response.content.decode()
    api = client_for(editor_a)
    assert api.get("/api/v1/projects/export.iati.xml").status_code == 413
    settings.EXPORT_STREAM_MAX_ROWS = 100
    assert client.get("/projects/export.csv").status_code == 200
    assert api.get("/api/v1/projects/export.iati.xml").status_code == 200
