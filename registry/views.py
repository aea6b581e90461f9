"""Site-wide views: the health probes and the 400 handler (oversized bodies answer 413)."""

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry import db_router
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
