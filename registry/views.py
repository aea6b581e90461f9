"""Site-wide views: the home page and the health probes."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry.middleware import outside_request_transaction
from registry.tenancy import Organization, actor_for_request, visible


@require_GET
def home(request):
    actor = actor_for_request(request)
    organizations = visible(actor, Organization).filter(pk__in=actor.org_ids).order_by("slug")
    return render(
        request,
        "home.html",
        {
            "my_organizations": organizations,
            "active_organization": active_organization(request, organizations),
        },
    )


def active_organization(request, organizations):
    """The organization the user works for now: their pick (kept in the session) or the first."""
    chosen = request.session.get("active_organization") if hasattr(request, "session") else None
    by_slug = {organization.slug: organization for organization in organizations}
    return by_slug.get(chosen) or next(iter(by_slug.values()), None)


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
    """Ready for traffic: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready", never a 500
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
