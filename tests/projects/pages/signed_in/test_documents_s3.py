"""Documents in an S3-compatible store (issue 18): the same pages and rules with django-storages'
S3Storage in place of the file system, against a local S3 server (moto's, which speaks the S3
protocol over HTTP; no cloud is reached), and the settings that name that store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from django.urls import reverse
from storages.backends.s3 import S3Storage

from projects.models import Project, RecordDocument
from tests.projects.factories import create
from tests.projects.pages.signed_in.test_documents import PDF, download_url, only_document, upload

BUCKET = "registry-documents"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3 server for this module's tests."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the local S3 server did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    """A fresh bucket as the documents' storage (the field took its storage when models loaded,
    so the test sets it as STORAGES["documents"] would have)."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name=CREDENTIALS["region_name"],
    )
    name = f"{BUCKET}-{os.getpid()}-{time.monotonic_ns()}"
    client.create_bucket(Bucket=name)
    storage = S3Storage(bucket_name=name, endpoint_url=s3_endpoint, **CREDENTIALS)
    monkeypatch.setattr(RecordDocument._meta.get_field("file"), "storage", storage)
    return client, name


def keys_in(bucket) -> list[str]:
    client, name = bucket
    return [item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])]


def test_a_document_is_stored_in_the_bucket_served_by_the_view_and_removed_with_its_row(
    client, org_a, editor_a, bucket, django_capture_on_commit_callbacks
):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    assert upload(client, project, "plan.pdf", PDF, "Plan").status_code == 302
    document = only_document(project)
    (key,) = keys_in(bucket)
    assert key == document.file.name
    s3, name = bucket
    assert s3.get_object(Bucket=name, Key=key)["Body"].read() == PDF

    # Served by the registry's view (the record's visibility applies), not by a bucket URL.
    got = client.get(download_url(project, document))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment;")
    page = client.get(reverse("project-detail", args=[project.identifier])).content.decode()
    assert name not in page and s3.meta.endpoint_url not in page
    client.logout()
    assert client.get(download_url(project, document)).status_code == 404  # a draft's file

    client.force_login(editor_a)
    url = reverse("record-document-delete", args=["projects", project.identifier, document.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert keys_in(bucket) == []
    assert not RecordDocument.all_rows_for_internal_use.exists()


def test_the_settings_name_an_s3_store_from_the_environment():
    """DOCUMENT_STORAGE_BACKEND and DOCUMENT_STORAGE_OPTIONS, as an operator sets them (README)."""
    options = {"bucket_name": BUCKET, "endpoint_url": "http://127.0.0.1:9000"}
    env = {
        **os.environ,
        "DOCUMENT_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "DOCUMENT_STORAGE_OPTIONS": json.dumps(options),
    }
    probe = (
        "import django; django.setup(); "
        "from projects.models import RecordDocument; "
        "storage = RecordDocument._meta.get_field('file').storage; "
        "print(type(storage).__name__, storage.bucket_name, storage.endpoint_url)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["S3Storage", BUCKET, "http://127.0.0.1:9000"]
