"""Site-wide views: the health probes, the 400 handler (oversized bodies answer 413) and the
job page (issue 19)."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import pgettext_lazy
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry import db_router, jobs
from registry.middleware import outside_request_transaction, too_large_response


@outside_request_transaction
@never_cache
@require_GET
def healthz(request):
    """The process is up. Touches nothing else, so a slow database never restarts the app."""
    return JsonResponse({"status": "ok"})


@outside_request_transaction
@never_cache
@require_GET
def readyz(request):
    """Ready for traffic: the primary answers. Each read replica's state and lag is reported
    (`replicas`), but a replica that is down or behind does not make the server unready: its
    reads fall back to the primary (registry.db_router)."""
    replicas = {alias: db_router.replica_status(alias) for alias in db_router.replicas()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready", never a 500
        return JsonResponse(
            {"status": "unavailable", "database": type(exc).__name__, "replicas": replicas},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "replicas": replicas})


def bad_request(request, exception=None):
    """handler400: a body Django found too large is a 413 (JSON on the API), like any other."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request, None)
    return defaults.bad_request(request, exception)


# --- Confirmation before an irreversible action (issue 18) -----------------------------------
# Every POST-only page route either asks first (`asks_confirmation`, then `confirm_first` in the
# view) or says why no confirmation is needed (`reversible`): tests/test_confirmations.py walks
# the routes and fails on one that does neither.

CONFIRMED_FIELD = "confirmed"


def asks_confirmation(view):
    """Mark a POST-only view that shows `confirm_first`'s page before it acts."""
    view.asks_confirmation = True
    return view


def reversible(reason: str):
    """Mark a POST-only view that acts at once, with the reason that is safe (it can be undone,
    or it is itself the confirmation step)."""

    def mark(view):
        view.reversible = reason
        return view

    return mark


def confirm_first(
    request, *, title, consequences, confirm_label, cancel_url: str, danger: bool = True
):
    """None when the POST carries the confirmation; else the "Are you sure?" page (GOV.UK
    style: what will happen, Confirm / Cancel) that posts the same fields back, confirmed.

    `consequences`: sentences saying what will happen, in the reader's language.
    """
    if request.POST.get(CONFIRMED_FIELD) == "yes":
        return None
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (CONFIRMED_FIELD, "csrfmiddlewaretoken")
        for value in values
    ]
    context = {
        "title": title,
        "consequences": consequences if isinstance(consequences, list | tuple) else [consequences],
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "carried": carried,
        "danger": danger,
        "action_url": request.get_full_path(),
    }
    return render(request, "confirm.html", context)


# The words for a job's kind and state, in the reader's language.
JOB_KINDS = {
    "import": pgettext_lazy("job", "Import"),
    "export": pgettext_lazy("job", "Export"),
    "webhook": pgettext_lazy("job", "Webhook delivery"),
}
JOB_STATES = {
    "queued": pgettext_lazy("job", "Queued"),
    "running": pgettext_lazy("job", "Running"),
    "succeeded": pgettext_lazy("job", "Succeeded"),
    "failed": pgettext_lazy("job", "Failed"),
}


@require_GET
def job_page(request, pk: int):
    """A job of the signed-in user's, with a progress bar that the page's script moves (issue 19);
    anyone else gets the 404 page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    job = jobs.owned_by(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    result = job.result or {}
    context = {
        "job": job,
        "api_url": f"/api/v1/jobs/{job.pk}/",
        "kind_label": JOB_KINDS.get(job.kind, job.kind),
        "state_label": JOB_STATES.get(job.state, job.state),
        "summary": result.get("summary"),
        "download_url": f"/api/v1/jobs/{job.pk}/file/" if result.get("file") else None,
        "size": result.get("size"),
        "sha256": result.get("sha256"),
        # A checked file's import, offered once its dry run found no error (the import page).
        "confirm": (job.params or {}).get("confirm")
        if job.state == job.State.SUCCEEDED and result.get("dry_run")
        else None,
    }
    return render(request, "jobs/job.html", context)
