"""The forms' type-ahead endpoint (issue 18): `GET /lookup/<kind>/?q=` answers JSON
suggestions for the signed-in person, within the tenant boundary (projects.reads.lookup)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from projects.reads.lookup import KINDS, suggestions
from registry.tenancy import actor_for_request


@login_required
@require_GET
def lookup(request, kind: str):
    if kind not in KINDS:
        raise Http404
    found = suggestions(actor_for_request(request), kind, request.GET.get("q", ""))
    response = JsonResponse({"results": found})
    response["Cache-Control"] = "private, no-store"
    return response
