"""The catalogue pages' lists (SPEC 7): the API's filters, facets with counts, keyset pages.

A catalogue page is the API's list in HTML: the rows come from `registry.tenancy.visible`
narrowed by the same filtersets (projects/filtersets.py), so a page, the API and an export of
the same query string hold the same records. On top, each facet counts what choosing one of its
values would give (all the other filters applied): the facets not in use and the total in one
statement that reads the filtered set once, each chosen facet in one GROUP BY query of its own.
The rows are paged by keyset on (sort key, id) behind a signed cursor. The number of queries
does not grow with the table, nor with how far the reader pages.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from registry.api import cursors
from registry.multilingual import pick
from registry.tenancy import Actor, visible

from . import labels
from .choices import Freshness
from .filtersets import ContactFilterSet, ProjectFilterSet, ZoneFilterSet
from .freshness import freshness_condition, freshness_counts
from .models import Contact, Project, Record, Zone

PAGE_SIZE = 20
FILTERSETS = {Project: ProjectFilterSet, Zone: ZoneFilterSet, Contact: ContactFilterSet}
# The reader's sort choices: the API's `ordering` values (ORDERING_FIELDS), in reading order.
SORTS = {
    "-updated_at": _("Recently updated"),
    "-created_at": _("Newest first"),
    "created_at": _("Oldest first"),
    "identifier": _("Identifier, A to Z"),
    "-identifier": _("Identifier, Z to A"),
}
DEFAULT_SORT = "-updated_at"
# The facets of each record type, in the order the sidebar shows them.
COMMON_FACETS = ("organization", "freshness", "completeness_min", "workflow_state")
FACETS = {
    Project: ("category", "country", "lifecycle_status", *COMMON_FACETS),
    Zone: ("kind", "country", "lifecycle_status", *COMMON_FACETS),
    Contact: ("kind", "country", *COMMON_FACETS),
}
FACET_TITLES = {
    "category": _("Category"),
    "kind": _("Kind"),
    "country": _("Country"),
    "lifecycle_status": _("Status"),
    "organization": _("Organization"),
    "freshness": _("Freshness"),
    "workflow_state": _("Record state"),
    "completeness_min": _("Completeness"),
}
# The completeness facet's steps: records whose completeness (0-100) is at least this.
COMPLETENESS_STEPS = (100, 75, 50, 25)
# Filters of the API that have no facet (a zone's identifier, a tag, a date): shown as chips.
OTHER_FILTER_TITLES = {
    "q": _("Search"),
    "tag": _("Tag"),
    "zone": _("Zone"),
    "updated_since": _("Updated since"),
}
# A contact is found by the countries it is in and those it covers (ContactFilterSet does the
# same), so its country facet counts both lists.
COUNTRY_COLUMNS = {
    Project: ("countries",),
    Zone: ("countries",),
    Contact: ("countries", "countries_covered"),
}
# Not filters: the page position and the sort, which the page applies itself.
NOT_FILTERS = ("cursor", "ordering")


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    title: str
    options: list[FacetOption]


@dataclass
class Catalogue:
    """What a catalogue page shows: one page of rows, the facets, the position and the sort."""

    rows: list[Record] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    total: int = 0
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first_page: bool = True
    sort: str = DEFAULT_SORT
    errors: dict = field(default_factory=dict)

    other_filters: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def selected(self) -> list[tuple[str, str, str]]:
        """(parameter, title, value) of every filter in use, facets first (removable chips)."""
        chosen = [
            (item.name, item.title, option.label)
            for item in self.facets
            for option in item.options
            if option.selected
        ]
        return chosen + self.other_filters


def filter_params(query: QueryDict, model: type[Record]) -> QueryDict:
    """The filters of the query string: names the API's filterset knows, without paging."""
    known = set(FILTERSETS[model].base_filters) - set(NOT_FILTERS)
    params = QueryDict(mutable=True)
    for name in known & set(query):
        value = query.get(name, "").strip()
        if value:
            params[name] = value
    return params


def filtered(actor: Actor, model: type[Record], params: QueryDict, request) -> QuerySet:
    """The records the actor sees, narrowed by `params` (ValidationError names a bad filter)."""
    filterset = FILTERSETS[model](params, queryset=visible(actor, model), request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def build(actor: Actor, model: type[Record], request) -> Catalogue:
    """The catalogue page for the request's query string."""
    params = filter_params(request.GET, model)
    sort = request.GET.get("ordering") if request.GET.get("ordering") in SORTS else DEFAULT_SORT
    try:
        rows = filtered(actor, model, params, request)
        facets, total = facets_and_total(actor, model, rows, params, request)
    except ValidationError as error:
        return Catalogue(sort=sort, errors=_messages(error.detail))
    purpose = f"catalogue:{model.record_type}:{sort}"
    position = read_cursor(request.GET.get("cursor"), purpose)
    page = keyset_page(rows.select_related("organization"), sort, position)
    return Catalogue(
        rows=page.rows,
        facets=facets,
        other_filters=[
            (name, str(title), params[name])
            for name, title in OTHER_FILTER_TITLES.items()
            if name in params
        ],
        total=total,
        next_cursor=_sign(page.next_position, purpose),
        previous_cursor=_sign(page.previous_position, purpose),
        is_first_page=page.previous_position is None,
        sort=sort,
    )


def _sign(position: dict | None, purpose: str) -> str | None:
    return cursors.sign(position, purpose) if position is not None else None


def _messages(detail) -> dict:
    """{filter: [message]} from a filterset's or a filter method's ValidationError."""
    if isinstance(detail, dict):
        return {name: [str(message) for message in messages] for name, messages in detail.items()}
    return {"": [str(message) for message in detail]}


# --- Keyset pages -------------------------------------------------------------------------------


@dataclass
class KeysetPage:
    rows: list
    next_position: dict | None  # after the last row, when more rows follow
    previous_position: dict | None  # before the first row, when rows precede it


def keyset_page(queryset: QuerySet, sort: str, position: dict | None, size: int | None = None):
    """Up to `size` rows after `position` (or, for a position marked "b", before it).

    Ordered by the sort key with the id as tie-breaker, so the order is total and a row is
    never skipped nor repeated between pages; one query, whatever the page's depth. A page
    going back reads the rows before the position in the opposite order, and turns them round.
    """
    size = size or PAGE_SIZE
    key = sort.lstrip("-")
    backwards = position is not None and position.get("b", False)
    descending = sort.startswith("-") != backwards
    ordered = queryset.order_by(f"-{key}" if descending else key, "-pk" if descending else "pk")
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
    return {"v": _encode(getattr(row, key)), "i": row.pk}


def _after(key: str, descending: bool, position: dict) -> Q:
    """Rows beyond `position` in an order by (key, pk), descending or not."""
    beyond = "lt" if descending else "gt"
    value = position["v"]
    return Q(**{f"{key}__{beyond}": value}) | Q(**{key: value, f"pk__{beyond}": position["i"]})


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
    value, pk, backwards = payload.get("v"), payload.get("i"), payload.get("b", False)
    if not isinstance(value, str) or not isinstance(pk, int) or isinstance(pk, bool):
        return None
    if not isinstance(backwards, bool):
        return None
    if purpose.endswith(("updated_at", "created_at")):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    return {"v": value, "i": pk, "b": backwards}


# --- Facets -------------------------------------------------------------------------------------


def facets_and_total(actor: Actor, model: type[Record], rows: QuerySet, params: QueryDict, request):
    """([Facet], the number of rows) for the catalogue page.

    Each facet counts what choosing one of its values would give: the records with every
    filter applied except the facet's own, so the reader sees the alternatives to what they
    chose. The facets whose filter is not in use all count over `rows` itself, so they and the
    total come from one statement (`shared_counts`) that reads the filtered set once; a chosen
    facet needs its own query. However large the table, a page costs one scan of the filtered
    set, plus one per chosen facet.
    """
    names = FACETS[model]
    counts, total = shared_counts(rows, model, [name for name in names if name not in params])
    for name in names:
        if name in params:
            counts[name] = COUNTERS[name](_without(actor, model, params, name, request), model)
    facets = [_facet(model, name, counts[name], params.get(name)) for name in names]
    return [item for item in facets if item.options], total


def _without(actor: Actor, model: type[Record], params: QueryDict, name: str, request) -> QuerySet:
    """The records with every filter but `name`'s applied."""
    others = params.copy()
    others.pop(name, None)
    return filtered(actor, model, others, request).order_by()


def _facet(model, name: str, counts: dict, selected: str | None) -> Facet:
    if selected and selected not in counts:
        counts[selected] = (_label_for(model, name, selected), 0)
    options = [
        FacetOption(value=value, label=text, count=count, selected=value == selected)
        for value, (text, count) in counts.items()
        if count or value == selected
    ]
    if name not in ("freshness", "workflow_state", "lifecycle_status", "completeness_min"):
        options.sort(key=lambda option: (-option.count, option.label))
    return Facet(name=name, title=str(FACET_TITLES[name]), options=options)


def _freshness_case() -> Case:
    """Each row's freshness as a column, from the one rule (freshness.freshness_condition)."""
    now = timezone.now()
    return Case(
        *(When(freshness_condition(value, now), then=Value(value)) for value in Freshness.values),
        default=Value(None),
        output_field=CharField(),
    )


def shared_counts(rows: QuerySet, model: type[Record], names: list[str]) -> tuple[dict, int]:
    """({facet: {value: (label, count)}}, total) of these facets over `rows`, in one statement.

    The filtered rows are a common table expression (PostgreSQL materializes it, as it is read
    more than once, so a full-text search runs once), and each facet is a GROUP BY over it,
    joined with UNION ALL: (facet, value, organization name, count) rows.
    """
    quote = connection.ops.quote_name
    fixed = [name for name in names if name in FIXED_COLUMNS]
    country_columns = COUNTRY_COLUMNS[model] if "country" in names else ()
    inner = rows.order_by().annotate(_freshness=_freshness_case())
    inner_sql, params = inner.values(
        "id",
        "organization_id",
        "completeness",
        *{FIXED_COLUMNS[name] for name in fixed},
        *country_columns,
    ).query.sql_with_params()
    parts = ["SELECT 'total', NULL, NULL, COUNT(*) FROM m"]
    parts += [
        f"SELECT '{name}', {quote(FIXED_COLUMNS[name])}, NULL, COUNT(*) FROM m "
        f"GROUP BY {quote(FIXED_COLUMNS[name])}"
        for name in fixed
    ]
    if "organization" in names:
        table = quote(Organization._meta.db_table)
        parts.append(
            f"SELECT 'organization', o.{quote('slug')}, CAST(o.{quote('name')} AS TEXT), COUNT(*) "
            f"FROM m JOIN {table} o ON o.{quote('id')} = m.{quote('organization_id')} "
            f"GROUP BY o.{quote('slug')}, CAST(o.{quote('name')} AS TEXT)"
        )
    if "completeness_min" in names:
        column = quote("completeness")
        parts += [
            f"SELECT 'completeness_min', '{step}', NULL, COUNT(*) FROM m WHERE {column} >= {step}"
            for step in COMPLETENESS_STEPS
        ]
    if country_columns:
        pairs = " UNION ALL ".join(
            f"SELECT m.{quote('id')} AS row_id, e.value AS code FROM m, {_unnest(column)}"
            for column in country_columns
        )
        parts.append(
            f"SELECT 'country', code, NULL, COUNT(DISTINCT row_id) FROM ({pairs}) x GROUP BY code"
        )
    statement = f"WITH m AS ({inner_sql}) " + " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    return _read_counts(model, names, found)


FIXED_COLUMNS = {
    "category": "category",
    "kind": "kind",
    "lifecycle_status": "lifecycle_status",
    "workflow_state": "workflow_state",
    "freshness": "_freshness",
}


def _unnest(column: str) -> str:
    """The values of a JSON list column of `m`, as rows of `e.value`."""
    quoted = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return f"jsonb_array_elements_text(m.{quoted}) AS e(value)"
    return f"json_each(m.{quoted}) AS e"


def _read_counts(model, names: list[str], found) -> tuple[dict, int]:
    raw: dict[str, dict] = {name: {} for name in names}
    total = 0
    for facet_name, value, organization_name, count in found:
        if facet_name == "total":
            total = count
        elif value is not None:
            raw[facet_name][str(value)] = (organization_name, count)
    counts = {}
    for name in names:
        if name == "organization":
            counts[name] = {
                slug: (pick(json.loads(text)) or slug, count)
                for slug, (text, count) in raw[name].items()
            }
        elif name == "completeness_min":
            counts[name] = _completeness_options(
                {step: raw[name].get(str(step), (None, 0))[1] for step in COMPLETENESS_STEPS}
            )
        elif name == "country":
            counts[name] = {
                code: (country_name(code), count) for code, (_, count) in raw[name].items()
            }
        else:
            vocabulary = labels.vocabulary_of(model, name)
            counts[name] = {
                value: (text, raw[name][value][1])
                for value, text in labels.choices(vocabulary)
                if value in raw[name]
            }
    return counts, total


def _completeness_options(found: dict[int, int]) -> dict:
    return {str(step): (completeness_label(step), found[step]) for step in COMPLETENESS_STEPS}


def completeness_label(step) -> str:
    return str(
        _("Complete") if str(step) == "100" else _("%(percent)s%% or more") % {"percent": step}
    )


def _completeness_counts(rows: QuerySet, model) -> dict:
    found = rows.aggregate(
        **{f"_{step}": Count("pk", filter=Q(completeness__gte=step)) for step in COMPLETENESS_STEPS}
    )
    return _completeness_options({step: found[f"_{step}"] for step in COMPLETENESS_STEPS})


def _label_for(model, name: str, value: str) -> str:
    if name == "completeness_min":
        return completeness_label(value)
    if name == "country":
        return country_name(value)
    if name == "organization":
        return value
    return labels.label(labels.vocabulary_of(model, name), value)


def country_name(code: str) -> str:
    return str(iso_countries.name(code)) or code


def _choice_counts(field_name: str):
    """Counts per value of a choice column, in the vocabulary's order."""

    def count(rows: QuerySet, model) -> dict:
        grouped = rows.values(field_name).annotate(n=Count("pk"))
        found = {row[field_name]: row["n"] for row in grouped}
        vocabulary = labels.vocabulary_of(model, field_name)
        return {
            value: (text, found[value])
            for value, text in labels.choices(vocabulary)
            if value in found
        }

    return count


def _freshness_counts(rows: QuerySet, model) -> dict:
    found = rows.aggregate(**freshness_counts())
    return {value: (text, found[value]) for value, text in labels.choices(labels.Freshness)}


def _organization_counts(rows: QuerySet, model) -> dict:
    grouped = rows.values("organization__slug", "organization__name").annotate(n=Count("pk"))
    return {
        row["organization__slug"]: (
            pick(row["organization__name"]) or row["organization__slug"],
            row["n"],
        )
        for row in grouped
    }


def _country_counts(rows: QuerySet, model) -> dict:
    return {
        code: (country_name(code), count)
        for code, count in json_list_counts(rows, COUNTRY_COLUMNS[model]).items()
    }


def json_list_counts(rows: QuerySet, columns: tuple[str, ...]) -> dict[str, int]:
    """{value: number of rows whose JSON list columns hold it}, in one GROUP BY query.

    The rows' SQL (already scoped and filtered) is the inner query; each list is unnested
    (PostgreSQL jsonb_array_elements_text, SQLite json_each) and a row is counted once per
    value even when two of its lists hold it.
    """
    sql, params = rows.values("id", *columns).query.sql_with_params()
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        unnest = "CROSS JOIN LATERAL jsonb_array_elements_text(t.{column}) AS e(value)"
    else:
        unnest = ", json_each(t.{column}) AS e"
    parts = [
        f"SELECT t.{quote('id')} AS row_id, e.value AS code FROM ({sql}) t "
        + unnest.format(column=quote(column))
        for column in columns
    ]
    query = (
        "SELECT code, COUNT(DISTINCT row_id) FROM ("
        + " UNION ALL ".join(parts)
        + ") AS x GROUP BY code"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params * len(columns))
        return {str(code): count for code, count in cursor.fetchall()}


COUNTERS = {
    "category": _choice_counts("category"),
    "kind": _choice_counts("kind"),
    "lifecycle_status": _choice_counts("lifecycle_status"),
    "workflow_state": _choice_counts("workflow_state"),
    "freshness": _freshness_counts,
    "organization": _organization_counts,
    "country": _country_counts,
    "completeness_min": _completeness_counts,
}
