"""Conditional requests (SPEC 6): ETag and Last-Modified on records and lists.

A record's ETag is strong and reads `"<version>-<digest>"`: the version drives optimistic
locking (If-Match on writes gives 412 when stale) and the digest covers what else shapes the
answer (who asks, the pending revision, the format). A list's ETag comes from one aggregate over
the filtered rows (count, latest update, sum of versions), so If-None-Match answers 304 without
serializing anything; the record lists use `stamped_list_etag` instead, from a stamp of change
counters that reads no row of the list at all (projects/domain/change_counters.py).
"""

from __future__ import annotations

import hashlib
import re

from django.db.models import Count, Max, Sum
from django.utils.http import http_date
from rest_framework import status
from rest_framework.response import Response

IF_MATCH_TAG = re.compile(r'^(?:W/)?"(\d+)-[0-9a-f]+"$')
VARY = "Accept, Authorization, Cookie"


def _digest(*parts) -> str:
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:20]


def viewer_key(request) -> str:
    """What about the caller changes the answer: their user and key (roles follow from them)."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else "-"
    api_key = getattr(request, "api_key", None)
    return f"{user_id}/{api_key.pk if api_key is not None else '-'}"


def representation_key(request) -> str:
    fmt = request.query_params.get("format") or ""
    language = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return f"{fmt}/{request.META.get('HTTP_ACCEPT', '')}/{language}"


def record_etag(
    request, record, revision=None, *, extra: str = "", version=None, updated_at=None
) -> str:
    """`extra`: what else shapes the answer and is not in the row's version (a derived state).
    `version` / `updated_at`: the ones this caller is shown, when not the row's own."""
    version = record.version if version is None else version
    updated_at = updated_at or record.updated_at
    revision_part = (
        f"{revision.number}:{revision.state}:{revision.updated_at.isoformat()}" if revision else ""
    )
    digest = _digest(
        type(record).__name__,
        record.identifier,
        version,
        record.workflow_state,
        updated_at.isoformat(),
        revision_part,
        extra,
        viewer_key(request),
        representation_key(request),
    )
    return f'"{version}-{digest}"'


def list_etag(request, queryset, *, versions: bool = True, extra=None) -> tuple[str, object]:
    """(ETag, last modified) of a filtered list, from one aggregate query.

    `extra`: more aggregates (name -> expression) for what shapes the list besides the rows'
    versions, computed in the same query.
    """
    aggregates = {"rows": Count("pk"), "latest": Max("updated_at"), **(extra or {})}
    if versions:
        aggregates["versions"] = Sum("version")
    summary = queryset.order_by().aggregate(**aggregates)
    digest = _digest(
        *(summary[name] for name in sorted(extra or {})),
        queryset.model.__name__,
        summary["rows"],
        summary["latest"].isoformat() if summary["latest"] else "",
        summary.get("versions") or 0,
        request.get_full_path(),
        viewer_key(request),
        representation_key(request),
    )
    return f'"{summary["rows"]}-{digest}"', summary["latest"]


def stamped_list_etag(request, stamp: str) -> str:
    """A list's ETag from a stamp of what moves the caller's view (their change counters): no
    scan of the rows, so a 304 costs the same at any size. The query string (filters, cursor,
    ordering, page size), the caller and the representation make the rest."""
    digest = _digest(
        stamp, request.get_full_path(), viewer_key(request), representation_key(request)
    )
    return f'"L-{digest}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _weak_equal(a: str, b: str) -> bool:
    return a.removeprefix("W/") == b.removeprefix("W/")


def not_modified(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    return any(tag == "*" or _weak_equal(tag, etag) for tag in _tags(header))


def not_modified_response(etag: str, last_modified=None) -> Response:
    response = Response(status=status.HTTP_304_NOT_MODIFIED)
    return with_validators(response, etag, last_modified)


def with_validators(response, etag: str, last_modified=None):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Vary"] = VARY
    response["Cache-Control"] = "private, no-cache"
    return response


# The version a malformed If-Match stands for: no record has it (versions start at 1).
NEVER_MATCHES = 0


def expected_version(request, body_version=None) -> int | None:
    """The version a write expects, from If-Match (or a `version` in the body); None: no check.

    A malformed If-Match can never match, so it is a 412 rather than an unchecked write; the
    service says so after the caller's right to act (a 404, 401 or 403 comes first).
    """
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if header and header != "*":
        tags = _tags(header)
        versions = {int(match.group(1)) for tag in tags if (match := IF_MATCH_TAG.match(tag))}
        if len(versions) != 1 or len(tags) != 1:
            return NEVER_MATCHES
        return versions.pop()
    return body_version
