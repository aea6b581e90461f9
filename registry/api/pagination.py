"""Cursor pagination (SPEC 6): `{"results": [...], "next": url|null, "previous": url|null}`.

No COUNT query: a cursor is a position in a stable ordering, so pages stay consistent while rows
are added. `page_size` is at most 500; a larger one is refused with 400 (not clamped), so a
client never silently gets less than it asked for. A cursor that does not decode is a 400.
"""

import base64
import binascii
from urllib import parse

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


def page_size_from(request, default: int = DEFAULT_PAGE_SIZE) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError(
            {"page_size": [f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
        )
    return size


class RegistryCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("id",)

    def get_page_size(self, request):
        return page_size_from(request, self.page_size)

    def get_ordering(self, request, queryset, view):
        """The view's validated `ordering` choice (its filterset checked it), else its default."""
        choice = request.query_params.get("ordering")
        allowed = getattr(view, "ordering_fields", ())
        default = tuple(getattr(view, "ordering", self.ordering))
        if choice and choice.lstrip("-") in allowed:
            # A unique tie-breaker keeps the order total, so no row is skipped between pages.
            tie = default[-1]
            return (choice,) if choice.lstrip("-") == tie.lstrip("-") else (choice, tie)
        return default

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not _well_formed(encoded):
            raise ValidationError({"cursor": [BAD_CURSOR]})
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None


BAD_CURSOR = "The cursor is not valid; use the next or previous link as given."
CURSOR_KEYS = frozenset({"o", "r", "p"})


def _well_formed(encoded: str) -> bool:
    """DRF decodes any base64 as some cursor; insist on one it could have made."""
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        tokens = parse.parse_qs(raw.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return False
    return bool(tokens) and set(tokens) <= CURSOR_KEYS
