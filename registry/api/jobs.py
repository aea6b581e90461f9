"""`GET /api/v1/jobs/<id>/` and `GET /api/v1/jobs/<id>/file/` (issue 19): a job as its owner
sees it, and the file an export job built.

Only the owner reads a job; anyone else (signed in or not) gets the same 404 as for a job that
does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import jobs
from registry.api.base import RegistryViewMixin
from registry.models import Job
from registry.tenancy import NotVisible


def job_url(job: Job) -> str:
    return f"/api/v1/jobs/{job.pk}/"


def job_page_url(job: Job) -> str:
    return f"/jobs/{job.pk}/"


def job_data(job: Job) -> dict:
    """The job as its owner reads it (also the body of a 202 that started it)."""
    return {
        "id": job.pk,
        "url": job_url(job),
        "page": job_page_url(job),
        "kind": job.kind,
        "state": job.state,
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
        },
        "result": job.result,
        "error": job.error or None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def accepted(job: Job) -> Response:
    """202 Accepted with the job and where to follow it."""
    return Response(job_data(job), status=202, headers={"Location": job_url(job)})


def owned_job(request, pk: int) -> Job:
    job = jobs.owned_by(request.user).filter(pk=pk).first()
    if job is None:
        raise NotVisible("No such job.")
    return job


class JobView(RegistryViewMixin, APIView):
    """A job of the caller's: state, progress, result or error."""

    @extend_schema(
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="the job")},
        description="The job's state (queued, running, succeeded, failed), progress and result. "
        "Only the job's owner reads it; anyone else gets 404.",
    )
    def get(self, request, pk: int):
        self.require_authenticated()
        return Response(job_data(owned_job(request, pk)))


class JobFileView(RegistryViewMixin, APIView):
    """The file an export job built, for the job's owner only."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The export job's file (its size and SHA-256 are in the job's result).",
    )
    def get(self, request, pk: int):
        self.require_authenticated()
        job = owned_job(request, pk)
        name = (job.result or {}).get("file") if job.state == Job.State.SUCCEEDED else None
        path = Path(settings.JOB_FILES_ROOT) / name if name else None
        if path is None or not path.is_file():
            raise NotVisible("This job has no file (yet).")
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=job.result.get("filename") or path.name,
            content_type=job.result.get("media_type") or "application/octet-stream",
        )
