"""Pages for data in and out: exports of the catalogue's lists, the IATI XML, import templates,
and bulk import with a preview (SPEC 7, 8).

The import page works without JavaScript: the upload runs a dry run and streams the page as it
goes (a progress bar line every few hundred rows, the last one shown), then the report, a
preview of the first rows and, when no row has an error, a confirm button. The uploaded file
waits in a private temporary folder under a random token kept in the uploader's session;
confirming imports it in one transaction, streaming progress the same way.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError as FilterError

from accounts.domain.boundary import my_organizations
from accounts.pages.shared import active_organization
from projects.io import examples, exporting, guide, iati
from projects.io import jobs as io_jobs
from projects.io.importing import Importer
from projects.io.readers import ImportRefused, max_import_bytes
from projects.io.uploads import UploadTooLarge, limit_upload
from projects.io.writers import download_response
from projects.pages.record_types import model_for
from registry.tenancy import NotAllowed, actor_for_request
from registry.views import reversible

SESSION_KEY = "pending_imports"
STREAM_MARKER = "<!--import-stream-->"
# Uploads left unconfirmed are removed after this long.
PENDING_SECONDS = 24 * 3600
# Uploads one person may keep waiting for confirmation (settings.IMPORT_MAX_PENDING_UPLOADS).
MAX_PENDING_UPLOADS = 3


# --- Exports ---------------------------------------------------------------------------------


@require_GET
def export(request, record_type: str, export_format: str):
    """The catalogue list, with its filters (the query string), as a file."""
    model = model_for(record_type)
    try:
        exporting.check_format(model, export_format)
    except exporting.FormatNotOffered as error:
        return HttpResponse(error.message, status=406, content_type="text/plain; charset=utf-8")
    actor = actor_for_request(request)
    params = request.GET.copy()
    for name in set(params) - set(exporting.FILTERSETS[model].base_filters):
        del params[name]  # the catalogue's own parameters (page, view) are not filters
    try:
        queryset = exporting.filtered(actor, model, params, request)
    except FilterError as error:
        return HttpResponseBadRequest(
            f"These filters cannot be used: {error.detail}", content_type="text/plain"
        )
    too_large = exporting.too_many_to_stream(queryset)
    if too_large:  # a stream cut off by the server's timeout would look complete (issue 19)
        return HttpResponse(too_large, status=413, content_type="text/plain; charset=utf-8")
    chunks = exporting.export_stream(actor, queryset, export_format)
    return download_response(chunks, export_format, exporting.export_filename(model, export_format))


@require_GET
def export_iati(request):
    actor = actor_for_request(request)
    params = request.GET.copy()
    for name in set(params) - set(exporting.FILTERSETS[iati.Project].base_filters):
        del params[name]
    try:
        queryset = exporting.filtered(actor, iati.Project, params, request)
    except FilterError as error:
        return HttpResponseBadRequest(
            f"These filters cannot be used: {error.detail}", content_type="text/plain"
        )
    too_large = exporting.too_many_to_stream(queryset)
    if too_large:
        return HttpResponse(too_large, status=413, content_type="text/plain; charset=utf-8")
    return download_response(iati.stream_activities(actor, queryset), "iati.xml", iati.filename())


@require_GET
def import_template(request, record_type: str, template_format: str):
    model = model_for(record_type)
    if template_format not in ("csv", "xlsx", "json"):
        raise Http404
    chunks = examples.template_stream(model, template_format)
    return download_response(chunks, template_format, f"{record_type}-template.{template_format}")


@require_GET
def import_columns(request, record_type: str):
    """The column guide of the import (issue 18): a page, in the reader's language."""
    model = model_for(record_type)
    context = {"record_type": record_type, "rows": guide.column_guide(model)}
    return HttpResponse(render_to_string("projects/io/columns.html", context, request=request))


# --- Import ----------------------------------------------------------------------------------


def _importing_organization(request):
    """The active organization, where the user must be an editor or admin."""
    actor = actor_for_request(request)
    organization = active_organization(request, my_organizations(actor))
    if organization is None or not actor.is_at_least("editor", organization.pk):
        raise PermissionDenied(_("Importing needs an editor or admin of your organization."))
    return actor, organization


def _upload_dir(user=None) -> Path:
    """The private folder of kept uploads; each person's in a folder of its own, so that the
    number one person keeps can be limited (issue 17, finding 4)."""
    folder = Path(getattr(settings, "IMPORT_UPLOAD_DIR", "") or tempfile.gettempdir())
    folder = folder / "registry-imports"
    if user is not None:
        folder = folder / str(user.pk)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _upload_path(user, token: str) -> Path:
    return _upload_dir(user) / f"{token}.upload"


def _remove_stale_uploads(folder: Path) -> None:
    for path in folder.glob("**/*.upload"):
        try:
            if time.time() - path.stat().st_mtime > PENDING_SECONDS:
                path.unlink()
        except OSError:
            pass


def _max_pending() -> int:
    return int(getattr(settings, "IMPORT_MAX_PENDING_UPLOADS", MAX_PENDING_UPLOADS))


def _make_room(folder: Path) -> None:
    """Remove this person's oldest kept uploads so that a new one stays within the limit."""
    kept = sorted(folder.glob("*.upload"), key=lambda path: path.stat().st_mtime)
    for path in kept[: max(0, len(kept) - _max_pending() + 1)]:
        path.unlink(missing_ok=True)


def _keep_upload(request, upload, record_type: str, organization) -> str:
    _remove_stale_uploads(_upload_dir())
    folder = _upload_dir(request.user)
    _make_room(folder)
    token = secrets.token_urlsafe(24)
    with open(folder / f"{token}.upload", "wb") as kept:
        for chunk in upload.chunks():
            kept.write(chunk)
    pending = {
        key: entry
        for key, entry in request.session.get(SESSION_KEY, {}).items()
        if (folder / f"{key}.upload").exists()
    }
    pending[token] = {
        "name": upload.name,
        "size": upload.size,
        "type": record_type,
        "organization": organization.pk,
    }
    request.session[SESSION_KEY] = pending
    return token


def _forget_upload(request, token: str) -> None:
    """A refused upload is deleted at once (issue 17, finding 4). The page is streamed after
    the session middleware has saved the session, so the session is saved here again."""
    _upload_path(request.user, token).unlink(missing_ok=True)
    pending = request.session.get(SESSION_KEY, {})
    if pending.pop(token, None) is not None:
        request.session[SESSION_KEY] = pending
        request.session.save()


def _page_parts(request, record_type: str, organization) -> tuple[str, str]:
    """The page around the streamed part: base.html's header and footer."""
    page = render_to_string(
        "projects/io/import_run.html",
        {"record_type": record_type, "organization": organization, "marker": STREAM_MARKER},
        request=request,
    )
    head, _, tail = page.partition(STREAM_MARKER)
    return head, tail


def _stream(request, importer: Importer, record_type: str, organization, token: str | None):
    head, tail = _page_parts(request, record_type, organization)
    yield head
    yield '<div class="import-progress-lines">'
    refused = None
    try:
        for progress in importer.run():
            yield render_to_string("projects/io/_progress.html", {"progress": progress})
    except ImportRefused as error:
        refused = error.message
    except NotAllowed as error:
        refused = error.message
    keep = refused is None and importer.report.ok
    if token is not None and not keep:
        _forget_upload(request, token)
    yield "</div>"
    yield render_to_string(
        "projects/io/_report.html",
        {
            "report": importer.report,
            "refused": refused,
            "token": token if keep else None,
            "record_type": record_type,
            "organization": organization,
            "confirm_url": reverse("records-import-confirm", args=[record_type]),
        },
        request=request,
    )
    yield tail


def _streamed_page(chunks) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    response["X-Accel-Buffering"] = "no"  # let a proxy pass the progress lines on at once
    return response


@csrf_exempt  # checked by csrf_protect below, after the upload limit is in place
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, record_type: str):
    """GET: the upload form. POST: a dry run of the file, streamed, then the preview."""
    try:
        if request.method == "POST":
            limit_upload(request, max_import_bytes())
        # The CSRF check reads the body: an upload over the limit stops there.
        return csrf_protect(_import_page)(request, record_type)
    except UploadTooLarge as error:
        return HttpResponse(error.message, status=413, content_type="text/plain")


def _import_page(request, record_type: str):
    model = model_for(record_type)
    actor, organization = _importing_organization(request)
    context = {
        "record_type": record_type,
        "organization": organization,
        "formats": ("csv", "xlsx", "json"),
        "max_megabytes": max_import_bytes() // 1048576,
    }
    if request.method == "GET":
        return HttpResponse(render_to_string("projects/io/import.html", context, request=request))
    upload = request.FILES.get("file")
    if upload is None:
        context["error"] = _("Choose a file to import.")
        return HttpResponse(
            render_to_string("projects/io/import.html", context, request=request), status=400
        )
    token = _keep_upload(request, upload, record_type, organization)
    path = _upload_path(request.user, token)
    if io_jobs.should_run_as_job(upload.size):
        # A large file: its dry run is a job; the job's page offers the confirmation.
        return _as_job(request, actor, organization, record_type, path, upload, token)
    file = open(path, "rb")  # noqa: SIM115 (closed by the stream's generator below)
    importer = Importer(actor, organization, model, file, upload.name, upload.size, dry_run=True)

    def chunks():
        try:
            yield from _stream(request, importer, record_type, organization, token)
        finally:
            file.close()

    return _streamed_page(chunks())


@login_required
@require_POST
@reversible("The import's confirmation step: the preview page before it says what will change.")
def import_confirm(request, record_type: str):
    """Import the file checked before, all rows in one transaction, progress streamed."""
    model = model_for(record_type)
    actor, organization = _importing_organization(request)
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(token)
    # Only a token this session was given names a file: never a path from the request.
    path = _upload_path(request.user, token) if entry is not None else None
    if (
        path is None
        or entry["type"] != record_type
        or entry["organization"] != organization.pk
        or not path.exists()
    ):
        return redirect("records-import", record_type=record_type)
    del pending[token]
    request.session[SESSION_KEY] = pending
    if io_jobs.should_run_as_job(entry["size"]):
        job = _as_job(request, actor, organization, record_type, path, entry, None)
        path.unlink(missing_ok=True)
        return job
    file = open(path, "rb")  # noqa: SIM115 (closed by the stream's generator below)
    importer = Importer(
        actor, organization, model, file, entry["name"], entry["size"], dry_run=False
    )

    def chunks():
        try:
            yield from _stream(request, importer, record_type, organization, None)
        finally:
            file.close()
            path.unlink(missing_ok=True)

    return _streamed_page(chunks())


def _as_job(request, actor, organization, record_type: str, path: Path, upload, token):
    """Start the import of the kept file as a job (a dry run when `token` is given: the job's
    page then offers to confirm it) and go to the job's page (issue 19)."""
    name = upload.name if hasattr(upload, "name") else upload["name"]
    with path.open("rb") as kept:
        job = io_jobs.start_import(
            actor, organization, record_type, File(kept, name=name), dry_run=token is not None,
            confirm=(
                {"url": reverse("records-import-confirm", args=[record_type]), "token": token}
                if token
                else None
            ),
        )  # fmt: skip
    return redirect(reverse("job", args=[job.pk]), permanent=False)
