"""Keyset pages (SPEC 7): a list ordered by (sort key, identifier), paged behind a signed cursor.

One query per page whatever its depth: the position bounds an index range scan on the sort's
index, so a row is never skipped nor repeated between pages, and a cursor the server did not give
out for this list and sort reads as the first page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from registry.api import cursors

PAGE_SIZE = 20
# The column behind each sort, for the pages and the API (RecordViewSet.ordering_columns):
# updated_at is the time the public sees (issue 10), so a hidden revision never moves a record in
# anyone's order.
SORT_COLUMNS = {"updated_at": "public_updated_at"}
# The tie-breaker of every sort: unique, and the second column of the sort indexes
# (Record.Meta.indexes: identifier, (public_updated_at, identifier), (created_at, identifier)).
TIE = "identifier"


@dataclass
class KeysetPage:
    rows: list
    next_position: dict | None  # after the last row, when more rows follow
    previous_position: dict | None  # before the first row, when rows precede it


def keyset_page(queryset: QuerySet, sort: str, position: dict | None, size: int | None = None):
    """Up to `size` rows after `position` (or, for a position marked "b", before it).

    Ordered by the sort's column with the identifier as tie-breaker, so the order is total and
    a row is never skipped nor repeated between pages; one query, whatever the page's depth,
    walking the sort's index (TIE). A page going back reads the rows before the position in
    the opposite order, and turns them round.
    """
    size = size or PAGE_SIZE
    key = SORT_COLUMNS.get(sort.lstrip("-"), sort.lstrip("-"))
    backwards = position is not None and position.get("b", False)
    descending = sort.startswith("-") != backwards
    direction = "-" if descending else ""
    order = [f"{direction}{key}"] + ([f"{direction}{TIE}"] if key != TIE else [])
    ordered = queryset.order_by(*order)
    if position is not None:
        ordered = ordered.filter(_after(key, descending, position))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return KeysetPage(rows, None, None)
    following = more if not backwards else True
    preceding = position is not None and (more if backwards else True)
    return KeysetPage(
        rows,
        _position(rows[-1], key) if following else None,
        {**_position(rows[0], key), "b": True} if preceding else None,
    )


def _position(row, key: str) -> dict:
    return {"v": _encode(getattr(row, key)), "i": getattr(row, TIE)}


def _after(key: str, descending: bool, position: dict) -> Q:
    """Rows beyond `position` in an order by (key, identifier), descending or not.

    Written as `key <= v AND (key < v OR identifier < i)` (descending), so that the first
    condition bounds the index range scan and the second only sorts out the rows tied on v.
    """
    beyond = "lt" if descending else "gt"
    value = position["v"]
    if key == TIE:
        return Q(**{f"{key}__{beyond}": value})
    return Q(**{f"{key}__{beyond}e": value}) & (
        Q(**{f"{key}__{beyond}": value}) | Q(**{f"{TIE}__{beyond}": position["i"]})
    )


def _encode(value) -> str:
    return value.isoformat() if isinstance(value, datetime.datetime) else str(value)


def read_cursor(token: str | None, purpose: str) -> dict | None:
    """The position a cursor signed for this list and sort holds; None (the first page) for
    no cursor, or one the server did not give out for it (an edited or a stale link)."""
    if not token:
        return None
    try:
        payload = cursors.unsign(token, purpose, field="cursor", message="")
    except ValidationError:
        return None
    value, tie, backwards = payload.get("v"), payload.get("i"), payload.get("b", False)
    if not isinstance(value, str) or not isinstance(tie, str):
        return None
    if not isinstance(backwards, bool):
        return None
    if purpose.endswith(("updated_at", "created_at")):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    return {"v": value, "i": tie, "b": backwards}


def sign_position(position: dict | None, purpose: str) -> str | None:
    """The cursor of a position (None for none), signed for one list and sort (`purpose`)."""
    return cursors.sign(position, purpose) if position is not None else None
