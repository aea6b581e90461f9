"""Cursor pagination (SPEC 6): `{"results": [...], "next": url|null, "previous": url|null}`.

No COUNT query: a cursor is a position in a stable ordering, so pages stay consistent while rows
are added. `page_size` is at most 500; a larger one is refused with 400 (not clamped), so a
client never silently gets less than it asked for. Cursors are signed (registry.api.cursors):
one the server did not give out for this list and ordering is a 400.
"""

from urllib import parse

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

from registry.api import cursors

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
            # The column behind a public name (updated_at: the time the public sees).
            name = choice.lstrip("-")
            choice = choice[: len(choice) - len(name)] + getattr(view, "ordering_columns", {}).get(
                name, name
            )
            # A unique tie-breaker keeps the order total, so no row is skipped between pages.
            tie = default[-1]
            return (choice,) if choice.lstrip("-") == tie.lstrip("-") else (choice, tie)
        return default

    def get_paginated_response(self, data):
        """The page, with its `next` / `previous` links also in a `Link` header (RFC 8288), so
        that a CSV page (`?format=csv`, rows only) says where the next page is too."""
        response = super().get_paginated_response(data)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((response.data["next"], "next"), (response.data["previous"], "prev"))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response

    def get_schema_operation_parameters(self, view):
        """The cursor's shape and meaning in the schema (registry.api.cursors)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "pattern": cursors.PATTERN}
                parameter["description"] = cursors.DESCRIPTION
        return parameters

    def cursor_purpose(self, path: str) -> str:
        """What a cursor is a position in: this list, in this ordering (part of its signature)."""
        return f"list:{path}:{','.join(self.ordering)}"

    def encode_cursor(self, cursor):
        tokens = {"o": cursor.offset, "r": cursor.reverse, "p": cursor.position}
        path = parse.urlsplit(self.base_url).path
        signed = cursors.sign(tokens, self.cursor_purpose(path))
        return replace_query_param(self.base_url, self.cursor_query_param, signed)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        tokens = cursors.unsign(
            encoded, self.cursor_purpose(request.path), field="cursor", message=BAD_CURSOR
        )
        offset, reverse, position = tokens.get("o"), tokens.get("r"), tokens.get("p")
        well_formed = (
            isinstance(offset, int)
            and not isinstance(offset, bool)
            and 0 <= offset <= self.offset_cutoff
            and isinstance(reverse, bool)
            and (position is None or isinstance(position, str))
        )
        if not well_formed:
            raise ValidationError({"cursor": [BAD_CURSOR]})
        return Cursor(offset=offset, reverse=reverse, position=position)


BAD_CURSOR = "The cursor is not valid; use the next or previous link as given."
