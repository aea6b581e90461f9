"""One JSON error format for the whole API, and the mapping of domain refusals to statuses.

Every error answers `{"detail": "...", "code": "..."}`; field errors add
`"errors": {field: [messages]}`. The statuses follow SPEC 6: 400 field errors, 401, 403
(visible but not allowed), 404 (not visible), 409 (invalid or concurrent transition), 412 (stale
version), 413, 415, 429 (with Retry-After).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from registry.errors import DomainError
from registry.tenancy import NotAllowed

logger = logging.getLogger(__name__)

NOT_FOUND = "Not found."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed since you loaded it."
    default_code = "stale_version"


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as {field: [messages]}; unattached ones: 'non_field_errors'."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def _flatten(detail) -> dict[str, list]:
    """DRF's error detail (dict, list or string) as {field: [messages]}."""
    if isinstance(detail, dict):
        return {
            field: (value if isinstance(value, list) else [value])
            for field, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _summary(errors: dict[str, list]) -> str:
    parts = []
    for field, messages in errors.items():
        text = " ".join(str(message) for message in messages if not isinstance(message, dict))
        parts.append(f"{field}: {text}" if text else field)
    return "Invalid input. " + "; ".join(parts)


def error_body(detail: str, code: str, errors: dict | None = None, **extra) -> dict:
    body = {"detail": str(detail), "code": code}
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def _domain_error(exc) -> tuple[int, dict] | None:
    """Statuses for the domain's refusals: each `DomainError` carries its own (by class)."""
    if isinstance(exc, DomainError):
        return exc.status, error_body(exc.message, exc.code, **exc.extra())
    if isinstance(exc, Http404):
        return 404, error_body(NOT_FOUND, "not_found")
    if isinstance(exc, PermissionDenied):
        return 403, error_body(str(exc) or "Not allowed.", "not_allowed")
    if isinstance(exc, DjangoValidationError):
        errors = field_errors(exc)
        return 400, error_body(_summary(errors), "invalid", errors)
    if isinstance(exc, DataError):
        # A value the database cannot hold (out of range, NUL byte) that no validator caught.
        logger.warning("DataError answered as 400: %s", exc)
        return 400, error_body("A value is not valid for the database.", "invalid", {})
    if isinstance(exc, IntegrityError):
        # A constraint the services did not foresee; the transaction was rolled back.
        logger.warning("IntegrityError answered as 409: %s", exc)
        return 409, error_body("The change conflicts with existing data.", "conflict")
    return None


def _api_error(exc: exceptions.APIException) -> tuple[int, dict, dict]:
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return 400, error_body(_summary(errors), "invalid", errors), headers
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        return exc.status_code, error_body(exc.detail, exc.get_codes()), headers
    detail = exc.detail if isinstance(exc.detail, str) else _summary(_flatten(exc.detail))
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    return exc.status_code, error_body(detail, code), headers


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: a JSON error for every refusal, whatever format was asked."""
    mapped = _domain_error(exc)
    headers = {}
    if mapped is not None:
        status_code, body = mapped
    elif isinstance(exc, exceptions.APIException):
        status_code, body, headers = _api_error(exc)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
    else:
        return None  # a bug: let Django log it and answer 500
    request = context.get("request")
    if status_code == 403 and isinstance(exc, NotAllowed) and not _authenticated(request):
        # Refused for want of a caller: say so, as a 401 with the scheme to use.
        status_code, body = 401, error_body(exc.message, "not_authenticated")
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if request is not None:
        # Errors are JSON even when the caller asked for CSV or GeoJSON.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
    return Response(body, status=status_code, headers=headers)


def _authenticated(request) -> bool:
    user = getattr(request, "user", None) if request is not None else None
    return bool(user is not None and user.is_authenticated)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Unknown URLs under /api/v1/ answer a JSON 404 rather than the site's HTML page."""
    detail = NOT_FOUND
    if not request.path.endswith("/"):
        try:
            resolved = resolve(request.path + "/")
        except Resolver404:
            resolved = None
        if resolved is not None and resolved.url_name != "api-not-found":
            detail = f"Not found. API URLs end with a slash: {request.path}/"
    return JsonResponse(error_body(detail, "not_found"), status=404)
