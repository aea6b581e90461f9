"""Site-wide views: the health probes and the 400 handler (oversized bodies answer 413)."""

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from registry.middleware import too_large_response


@never_cache
@require_GET
def healthz(request):
    """The process is up. Touches nothing else, so a slow database never restarts the app."""
    return JsonResponse({"status": "ok"})


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


def bad_request(request, exception=None):
    """handler400: a body Django found too large is a 413 (JSON on the API), like any other."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request, None)
    return defaults.bad_request(request, exception)
