"""The records' long work as jobs (issue 19): imports, exports, the freshness reminders, and
the catalogue's counts made again after a change (issue 21).

Thin wrappers around the existing entry points: an import job runs `importing.Importer` on the
uploaded file (all rows or none, as in the request; the report is the job's result); an export
job writes `exporting.export_stream` to a file under `JOB_FILES_ROOT` (its result: a download
URL, the size and the SHA-256). `registry.jobs` claims, runs and records them.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, QueryDict

from projects.domain import reminders
from projects.io import dumps, exporting
from projects.io.importing import Importer
from projects.io.readers import ImportRefused
from projects.io.writers import MEDIA_TYPES
from projects.models import RECORD_MODELS_BY_TYPE
from projects.reads import catalogue
from registry import jobs, rls
from registry.models import Job
from registry.tenancy import Actor

logger = logging.getLogger(__name__)

IMPORT = "import"
EXPORT = "export"


def files_root() -> Path:
    root = Path(settings.JOB_FILES_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _new_name(kind: str, suffix: str) -> str:
    folder = files_root() / kind
    folder.mkdir(exist_ok=True)
    return f"{kind}/{uuid.uuid4().hex}{suffix}"


# --- Imports ------------------------------------------------------------------------------------


def should_run_as_job(size: int) -> bool:
    """Is the upload too large to import within the request (IMPORT_JOB_THRESHOLD_BYTES)?"""
    return size > settings.IMPORT_JOB_THRESHOLD_BYTES


def start_import(
    actor, organization, record_type: str, upload, *, dry_run: bool, confirm: dict | None = None
) -> Job:
    """Keep the upload where a worker finds it and queue its import as the actor. `confirm`: the
    page's form that imports a checked file (its URL and token), offered on the job's page."""
    name = _new_name(IMPORT, Path(upload.name).suffix.lower()[:8])
    with (files_root() / name).open("wb") as kept:
        for chunk in upload.chunks():
            kept.write(chunk)
    params = {
        "record_type": record_type,
        "file": name,
        "filename": upload.name,
        "size": upload.size,
        "dry_run": dry_run,
    }
    if confirm:
        params["confirm"] = confirm
    return jobs.start(IMPORT, actor, organization=organization, params=params)


def run_import(job: Job, actor, progress) -> dict:
    """The import of the kept file; its report is the result. A report with errors (nothing was
    imported) or a refused file fails the job, with the report."""
    params = job.params
    model = RECORD_MODELS_BY_TYPE[params["record_type"]]
    path = files_root() / params["file"]
    report = _import(job, actor, progress, model, path)  # lost connections: the file stays
    path.unlink(missing_ok=True)
    job.progress_total = report.rows
    if not report.ok:
        raise jobs.JobFailed(report.summary, report.as_dict())
    return report.as_dict()


def _import(job: Job, actor, progress, model, path: Path):
    params = job.params
    with path.open("rb") as file:
        importer = Importer(
            actor,
            job.organization,
            model,
            file,
            params["filename"],
            params["size"],
            dry_run=params["dry_run"],
        )
        try:
            for step in importer.run():
                total = round(step.rows / step.fraction) if step.fraction else None
                progress(step.rows, max(total or 0, step.rows) or None)
        except ImportRefused as refused:
            path.unlink(missing_ok=True)
            raise jobs.JobFailed(refused.message, {"code": refused.code}) from None
    return importer.report


# --- Exports ------------------------------------------------------------------------------------


def start_export(actor, record_type: str, export_format: str, query: QueryDict) -> Job:
    """Queue an export of the list `query` filters, in `export_format`."""
    params = {
        "record_type": record_type,
        "format": export_format,
        "query": {key: query.getlist(key) for key in query},
    }
    return jobs.start(EXPORT, actor, params=params)


def run_export(job: Job, actor, progress) -> dict:
    """Write the export to a file, counting its bytes and hashing them on the way."""
    params = job.params
    model = RECORD_MODELS_BY_TYPE[params["record_type"]]
    export_format = params["format"]
    query = QueryDict(mutable=True)
    for key, values in params["query"].items():
        query.setlist(key, values)
    queryset = exporting.filtered(actor, model, query, None)
    total = queryset.count()
    progress(0, total, force=True)
    name = _new_name(EXPORT, f".{export_format}")
    path = files_root() / name
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as out:
            for chunk in exporting.export_stream(actor, queryset, export_format):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                progress(0, total)  # a sign of life (at most every half second)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job.progress_total = total
    return {
        "file": name,
        "filename": exporting.export_filename(model, export_format),
        "media_type": MEDIA_TYPES[export_format],
        "url": f"/api/v1/jobs/{job.pk}/file/",
        "size": size,
        "sha256": digest.hexdigest(),
        "rows": total,
    }


def remove_file(job: Job) -> None:
    name = (job.result or {}).get("file") or (job.params or {}).get("file")
    if name:
        (files_root() / name).unlink(missing_ok=True)


# --- Reminders on the scheduler -----------------------------------------------------------------


@shared_task(name="projects.io.jobs.send_freshness_reminders")
def send_freshness_reminders() -> int:
    """The daily freshness reminders (SPEC 5) on celery beat; idempotent like the command."""
    with rls.system_context("celery beat's freshness reminders act for no single user"):
        reports = reminders.send_freshness_reminders(dry_run=False)
    return len(reports) if hasattr(reports, "__len__") else 0


@shared_task(name="projects.io.jobs.remove_old_job_files")
def remove_old_job_files() -> int:
    """Export files and unclaimed uploads older than JOB_FILES_KEEP_DAYS go (daily, on beat);
    a job whose file went answers 404 for it."""
    cutoff = time.time() - settings.JOB_FILES_KEEP_DAYS * 86400
    removed = 0
    for kind in (IMPORT, EXPORT):
        for path in (files_root() / kind).glob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
    return removed


# --- The catalogue's counts, made again on the worker --------------------------------------------


def recount_catalogue_later(actor: Actor, model, request) -> None:
    """Queue a count of the catalogue list of `request`'s query string, as `actor` sees it
    (reads.catalogue.build calls this when the list's counts are older than its last change).
    The broker away, the page goes on with the counts it has; a later page asks again."""
    try:
        recount_catalogue.delay(actor.user_id, model.record_type, request.GET.urlencode())
    except Exception:
        logger.exception("could not queue a recount of the %s catalogue", model.record_type)


@shared_task(name="projects.io.jobs.recount_catalogue")
def recount_catalogue(user_id: int | None, record_type: str, query: str) -> None:
    """Count a catalogue list again as the person who asked for it sees it: the same list
    (visibility, record type, filters), so the counts land under the key their pages read."""
    user = None
    with rls.system_context("a worker finds who a catalogue's counts are for"):
        if user_id is not None:
            user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        actor = Actor.for_user(user) if user is not None else Actor.anonymous()
    request = HttpRequest()
    request.GET = QueryDict(query)
    request.user = user or AnonymousUser()
    with rls.acting(rls.for_actor(actor)):
        catalogue.recount(actor, RECORD_MODELS_BY_TYPE[record_type], request)


@shared_task(name="projects.io.jobs.build_dumps")
def build_dumps() -> int:
    """The published dumps (issue 20) on celery beat: the whole public set, replaced whole."""
    manifest = dumps.build_dumps()
    return len(manifest["files"])


def connect() -> None:
    jobs.register(IMPORT, run_import)
    jobs.register(EXPORT, run_export)
