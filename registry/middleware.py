"""Site-wide request guards that must run before any view or middleware reads the body."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

API_PREFIX = "/api/"
PAYLOAD_TOO_LARGE = 413


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def body_limit(request) -> int | None:
    """The most bytes a body may have here; None: no limit of ours (Django's still applies).

    The API takes JSON only, up to API_MAX_BODY_BYTES. Pages take forms up to Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE; multipart forms may carry files, which Django streams to disk
    and which that setting does not count, so their size is left to the view that takes them.
    """
    if is_api_request(request):
        return settings.API_MAX_BODY_BYTES
    if request.content_type == "multipart/form-data":
        return None
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_response(request, limit: int | None):
    """The 413: the API's JSON error on the API, a page elsewhere."""
    if is_api_request(request):
        from registry.api.errors import error_body

        detail = (
            f"The request body is larger than {limit} bytes."
            if limit is not None
            else "The request body is too large."
        )
        return JsonResponse(error_body(detail, "payload_too_large"), status=PAYLOAD_TOO_LARGE)
    return render(
        request,
        "errors/413.html",
        {"limit_megabytes": round((limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE) / 1e6, 1)},
        status=PAYLOAD_TOO_LARGE,
    )


class BodySizeLimitMiddleware:
    """Answer 413 to a body whose Content-Length is over the limit, before anything reads it.

    Without this, whichever code touched the body first decided the answer: the JSON parser
    gave a JSON 413, but the CSRF check or `request.body` raised RequestDataTooBig, which Django
    turns into a bare HTML 400. Bodies sent without a Content-Length are cut off at the limit by
    the parser (API) or by Django (pages), and `registry.views.bad_request` turns Django's
    RequestDataTooBig into this same 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request)
        if limit is not None and declared_length(request) > limit:
            return too_large_response(request, limit)
        return self.get_response(request)


def declared_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0
