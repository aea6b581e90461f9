"""Jobs (issue 19) in-process: the owner-only API and page, claiming once, retries with backoff,
and mail leaving through `registry.jobs.send_message`.

Without REDIS_URL the tests' settings run tasks at once (CELERY_TASK_ALWAYS_EAGER), as the quick
start does; tests/registry/test_jobs_worker.py runs a real worker against Redis.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.db import OperationalError
from rest_framework.test import APIClient

from projects.models import Contact
from registry import jobs
from registry.models import Job
from registry.tenancy import Actor, visible
from tests.factories import member
from tests.projects.io.conftest import file_of


def upload(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


def contacts_of(organization):
    return visible(Actor(platform_role="platform_admin"), Contact).filter(organization=organization)


@pytest.fixture
def job_files(settings, tmp_path):
    settings.JOB_FILES_ROOT = tmp_path / "jobs"
    settings.IMPORT_JOB_THRESHOLD_BYTES = 0  # every upload is a job
    return settings.JOB_FILES_ROOT


@pytest.fixture
def flaky_kind():
    """A kind whose first run loses its database connection: the second one succeeds."""
    calls = []

    def handler(job, actor, progress):
        calls.append(job.attempts)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        progress(1, 1, force=True)
        return {"calls": len(calls)}

    jobs.register("flaky", handler)
    yield calls
    jobs.HANDLERS.pop("flaky")


def import_as_job(client, record_type="contacts", rows=3, *, dry_run=False):
    data = file_of("csv", record_type, rows)
    query = "?dry_run=1" if dry_run else ""
    return client.post(
        f"/api/v1/{record_type}/import/{query}",
        {"file": upload(data, "c.csv")},
        format="multipart",
    )


# --- The API and the page: the owner alone ---------------------------------------------------


def test_a_large_upload_answers_202_with_the_job_and_its_report_becomes_the_result(
    org_a, editor_a, job_files, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_login(editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = import_as_job(client, rows=3)

    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert response["Location"] == f"/api/v1/jobs/{job.pk}/"
    assert response.json()["state"] == "queued"

    answer = client.get(response["Location"]).json()
    assert answer["state"] == "succeeded", answer
    assert answer["result"]["created"] == 3 and answer["result"]["imported"] is True
    assert answer["progress"] == {"done": 3, "total": 3, "percent": 100}
    assert contacts_of(org_a).count() == 3
    assert not list(job_files.glob("import/*")), "the kept upload is removed once imported"


def test_a_dry_run_job_reports_and_imports_nothing(
    org_a, editor_a, job_files, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_login(editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = import_as_job(client, rows=2, dry_run=True)
    answer = client.get(response["Location"]).json()
    assert answer["state"] == "succeeded"
    assert (answer["result"]["dry_run"], answer["result"]["created"]) == (True, 2)
    assert contacts_of(org_a).count() == 0


def test_a_file_with_a_bad_row_fails_the_job_with_the_report_and_imports_nothing(
    org_a, editor_a, job_files, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_login(editor_a)
    data = file_of("csv", "contacts", 3).replace(b"+77272000000", b"not-a-phone", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/contacts/import/", {"file": upload(data, "c.csv")}, format="multipart"
        )
    answer = client.get(response["Location"]).json()
    assert answer["state"] == "failed"
    assert answer["result"]["error_count"] >= 1 and answer["result"]["imported"] is False
    assert "nothing was imported" in answer["error"]
    assert contacts_of(org_a).count() == 0


def test_below_the_threshold_the_import_answers_in_the_request(org_a, editor_a, settings):
    settings.IMPORT_JOB_THRESHOLD_BYTES = 10_000_000
    client = APIClient()
    client.force_login(editor_a)
    response = import_as_job(client, rows=2)
    assert response.status_code == 201  # records created (issue 20)
    assert response.json()["created"] == 2
    assert not Job.objects.exists()


def test_only_the_owner_reads_a_job(org_a, editor_a, editor_b, job_files):
    job = jobs.start("import", Actor.for_user(editor_a), organization=org_a, params={})
    owner, other, anonymous = APIClient(), APIClient(), APIClient()
    owner.force_login(editor_a)
    other.force_login(editor_b)
    colleague = APIClient()
    colleague.force_login(member(org_a, "admin", username="admin-of-a"))

    assert owner.get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    for client in (other, colleague):
        response = client.get(f"/api/v1/jobs/{job.pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert anonymous.get(f"/api/v1/jobs/{job.pk}/").status_code == 401
    assert owner.get(f"/api/v1/jobs/{job.pk + 1000}/").status_code == 404
    assert owner.get(f"/api/v1/jobs/{job.pk}/file/").status_code == 404  # no file (yet)
    assert other.get(f"/api/v1/jobs/{job.pk}/file/").status_code == 404


def test_the_job_page_shows_the_progress_to_its_owner_only(client, org_a, editor_a, editor_b):
    job = jobs.start("import", Actor.for_user(editor_a), organization=org_a, params={}, total=8)
    Job.objects.filter(pk=job.pk).update(state="running", progress_done=2)

    client.force_login(editor_a)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="25" max="100"' in html  # the progress bar, without JavaScript
    assert f'href="/jobs/{job.pk}/"' in html  # the refresh link
    assert "job-progress.js" in html and f'data-api="/api/v1/jobs/{job.pk}/"' in html

    client.force_login(editor_b)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/jobs/{job.pk}/").status_code == 302


def test_the_job_page_speaks_the_readers_language(client, org_a, editor_a):
    job = jobs.start("export", Actor.for_user(editor_a), params={})
    client.force_login(editor_a)
    html = client.get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "В очереди" in html and "Экспорт" in html


# --- Claimed once, retried with backoff ------------------------------------------------------


def test_running_a_job_twice_does_the_work_once(
    org_a, editor_a, job_files, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.force_login(editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = import_as_job(client, rows=4)
    job_id = response.json()["id"]
    assert contacts_of(org_a).count() == 4

    # The same message delivered again, and another run: neither does anything.
    assert jobs.execute(job_id, "the-same-message-again") is None
    jobs.run_job.apply(args=[job_id])
    job = Job.objects.get(pk=job_id)
    assert (job.state, job.attempts) == ("succeeded", 1)
    assert contacts_of(org_a).count() == 4


def test_a_running_job_is_not_taken_by_another_run_until_it_is_stale(editor_a, settings):
    job = jobs.start("import", Actor.for_user(editor_a), params={})
    assert jobs.claim(job.pk, "first").claim == "first"
    assert jobs.claim(job.pk, "second") is None  # the first worker is at it
    assert jobs.claim(job.pk, "first").attempts == 2  # its own retry continues

    settings.JOB_STALE_SECONDS = 0  # the first worker was lost
    taken = jobs.claim(job.pk, "second")
    assert (taken.claim, taken.attempts) == ("second", 3)


def test_a_lost_connection_is_retried_and_the_job_succeeds(editor_a, flaky_kind):
    job = jobs.start("flaky", Actor.for_user(editor_a), params={})
    jobs.run_job.apply(args=[job.pk], task_id="the-task")
    job.refresh_from_db()
    assert flaky_kind == [1, 2]  # one claim per attempt, the same task's
    assert (job.state, job.result, job.attempts) == ("succeeded", {"calls": 2}, 2)


def test_retries_back_off_exponentially_up_to_a_cap():
    assert [jobs.backoff(n) for n in range(4)] == [2, 4, 8, 16]
    assert jobs.backoff(20) == 600
    # A delivery's retries span about a day, the last ones half an hour apart.
    waits = [jobs.delivery_backoff(n) for n in range(jobs.DELIVERY_RETRIES)]
    assert 24 * 3600 <= sum(waits) <= 30 * 3600 and max(waits) == 1800


def test_no_delivery_waits_as_long_as_the_brokers_visibility_timeout(settings):
    """A wait past it would have Redis hand the waiting message to a second worker."""
    for visibility in (20, 600, 3600, 7 * 24 * 3600):
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": visibility}
        waits = [jobs.delivery_backoff(n) for n in range(jobs.DELIVERY_RETRIES)]
        assert max(waits) <= max(1, visibility // 2) and max(waits) <= jobs.DELIVERY_BACKOFF_CAP


def test_an_unknown_kind_is_refused(editor_a):
    with pytest.raises(LookupError):
        jobs.start("no-such-kind", Actor.for_user(editor_a))


# --- Mail leaves through registry.jobs.send_message ------------------------------------------


def test_send_message_sends_text_and_html_with_djangos_mail():
    jobs.send_message.apply(
        args=["Subject", "Body", "<p>Body</p>", ["a@example.org"], "registry@example.org"]
    )
    (message,) = mail.outbox
    assert (message.subject, message.body, message.to) == ("Subject", "Body", ["a@example.org"])
    assert message.from_email == "registry@example.org"
    assert message.alternatives[0][0] == "<p>Body</p>"


def test_enqueued_mail_leaves_after_commit_only(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue_message("Hello", "Body", ["a@example.org"])
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.subject for m in mail.outbox] == ["Hello"]


# --- The import page: a large file's check and import are jobs --------------------------------


def test_the_import_page_checks_a_large_file_as_a_job_and_confirms_it_as_one(
    client, org_a, editor_a, job_files, django_capture_on_commit_callbacks
):
    client.force_login(editor_a)
    data = file_of("csv", "contacts", 3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contacts/import/", {"file": upload(data, "c.csv")})
    assert response.status_code == 302
    check = Job.objects.get()
    assert response["Location"] == f"/jobs/{check.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "3 row(s) of c.csv checked: 3 would be created" in page
    assert 'action="/contacts/import/confirm/"' in page
    assert contacts_of(org_a).count() == 0

    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contacts/import/confirm/", {"token": token})
    done = Job.objects.exclude(pk=check.pk).get()
    assert response["Location"] == f"/jobs/{done.pk}/"
    assert (done.state, done.result["created"]) == ("succeeded", 3)
    assert contacts_of(org_a).count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "3 were created" in page and "/contacts/import/confirm/" not in page
    # A token is used once.
    assert client.post("/contacts/import/confirm/", {"token": token}).status_code == 302
    assert contacts_of(org_a).count() == 3


def test_the_reminders_run_on_the_scheduler(db, settings):
    from registry.celery import app

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry
    result = app.tasks["projects.io.jobs.send_freshness_reminders"].apply()
    assert result.successful() and result.result == 0  # nothing is due in an empty registry


def test_old_job_files_are_removed_and_new_ones_kept(job_files):
    import os
    import time

    from projects.io.jobs import remove_old_job_files

    (job_files / "export").mkdir(parents=True)
    old, new = job_files / "export" / "old.csv", job_files / "export" / "new.csv"
    old.write_text("a")
    new.write_text("b")
    week_ago = time.time() - 8 * 86400
    os.utime(old, (week_ago, week_ago))
    assert remove_old_job_files.apply().result == 1
    assert not old.exists() and new.exists()
