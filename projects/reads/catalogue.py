"""The catalogue pages' lists (SPEC 7): the API's filters, facets with counts, keyset pages.

A catalogue page is the API's list in HTML: the rows come from `registry.tenancy.visible`
narrowed by the same filtersets (projects/filtersets.py), so a page, the API and an export of
the same query string hold the same records. On top, each facet counts what choosing one of its
values would give (all the other filters applied): the facets not in use and the total in one
statement that computes the filtered set once, each chosen facet in one GROUP BY query of its own.
Those counts are kept in Django's cache (issue 11), under a key that moves whenever they could
(`counts_key`): a page whose counts are cached reads no more than its own rows.
The rows are paged by keyset on (sort key, identifier) behind a signed cursor, an index range
scan for every sort. The number of queries does not grow with the table, nor with how far the
reader pages.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Subquery, Value, When
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as iso_countries
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from projects import choices as vocabulary
from projects.choices import Freshness, WorkflowState
from projects.domain import publicity
from projects.domain.boundary import record_visibility_key
from projects.domain.freshness import FreshnessCutoffs, freshness_condition, freshness_counts
from projects.models import Contact, Project, Record, Zone
from projects.reads.filtersets import ContactFilterSet, ProjectFilterSet, ZoneFilterSet
from registry.api import cursors
from registry.multilingual import pick
from registry.tenancy import Actor, visible

logger = logging.getLogger(__name__)

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
# The column behind each sort, as in the API (RecordViewSet.ordering_columns): updated_at is the
# time the public sees (issue 10), so a hidden revision never moves a record in anyone's order.
SORT_COLUMNS = {"updated_at": "public_updated_at"}
# The tie-breaker of every sort: unique, and the second column of the sort indexes
# (Record.Meta.indexes: identifier, (public_updated_at, identifier), (created_at, identifier)).
TIE = "identifier"
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
# The facets that list their values by count, most first (the others keep their vocabulary's
# order), and how many of those values they show (and the one chosen, if not among them): a
# sidebar of hundreds of organizations is of no use to a reader, and costs a page more to
# render than everything else on it. The organization directory links to each one's records.
BY_COUNT = ("category", "kind", "country", "organization")
MOST_COUNTED_SHOWN = 15
# How long a page's counts stay in the cache, in seconds. Their key moves with every change
# they show (`counts_key`); the bound is a second safety net, and frees the entries of
# filters nobody asks for again. Not much shorter: at 1M records counting again takes seconds,
# in each worker when the cache is each worker's own memory (no REDIS_URL).
COUNTS_TIMEOUT = 15 * 60
# Part of every key: change it when the cached counts change shape.
COUNTS_FORMAT = "catalogue-counts:2"


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
    now = timezone.now()  # one instant for the counts' freshness and their key
    try:
        rows = filtered(actor, model, params, request)
        facets, total = facets_and_total(actor, model, rows, params, request, now)
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


# --- Facets -------------------------------------------------------------------------------------


def facets_and_total(
    actor: Actor, model: type[Record], rows: QuerySet, params: QueryDict, request, now=None
):
    """([Facet], the number of rows) for the catalogue page.

    Each facet counts what choosing one of its values would give: the records with every
    filter applied except the facet's own, so the reader sees the alternatives to what they
    chose. The counts are numbers per value (`raw_counts`), kept in the cache (`cached_counts`)
    and worded in the reader's language after: one entry serves every language.
    """
    now = now or timezone.now()
    counts, total = cached_counts(
        actor,
        model,
        rows,
        params,
        now,
        lambda: raw_counts(actor, model, rows, params, request, now),
    )
    names = FACETS[model]
    organizations = _organization_names(
        _most_counted(counts.get("organization", {})), params.get("organization")
    )
    facets = [
        _facet(model, name, _worded(model, name, counts[name], organizations), params.get(name))
        for name in names
    ]
    return [item for item in facets if item.options], total


def raw_counts(
    actor: Actor, model: type[Record], rows: QuerySet, params: QueryDict, request, now
) -> tuple[dict, int]:
    """({facet: {value: count}}, total) over the filtered rows.

    The facets whose filter is not in use all count over `rows` itself, so they and the total
    come from one statement (`shared_counts`) that reads the filtered set once; a chosen facet
    needs its own query. However large the table, this costs one scan of the filtered set,
    plus one per chosen facet: the cache keeps it from being paid on every request.
    """
    names = FACETS[model]
    counts, total = shared_counts(rows, model, [name for name in names if name not in params], now)
    for name in names:
        if name in params:
            counts[name] = COUNTERS[name](_without(actor, model, params, name, request), model, now)
    return counts, total


# --- The counts' cache ------------------------------------------------------------------------


def counts_key(actor: Actor, model: type[Record], params: QueryDict, now) -> str:
    """The cache key of the counts of this actor's list of `model` filtered by `params`.

    Counts stored under a key are the right ones for whoever asks with it, and never cross the
    tenant boundary, because the key holds everything they depend on:

    * what the actor's lists show: the change counters they depend on
      (`publicity.counters_seen`, the stamp of the lists' ETags less the clock), which move in
      the transaction of any change to it. With a freshness filter, the rows themselves change
      when a record crosses a freshness threshold: then the key takes the whole stamp
      (`publicity.list_stamp`), which moves with each crossing too. Without one, only the
      freshness facet moves with the clock, and `cached_counts` brings it up to date, so that
      an entry lives on while records turn stale one by one (at 1M records, about one a
      minute);
    * who the actor is as far as visibility goes (`boundary.record_visibility_key`): what
      they may see, not who they are, so that every visitor shares one entry, and every
      member of one organization another;
    * the record type and the filters, sorted (not the page position nor the sort: the counts
      are those of the whole filtered list).

    Not the language: the entry holds numbers, worded after they are read (`_worded`).
    The stamp is read before the counts are computed, so an entry is never older than its key.
    """
    if "freshness" in params:
        stamp, _ = publicity.list_stamp(actor, model, now)
    else:
        stamp, _ = publicity.counters_seen(actor)
    identity = json.dumps(
        [model.record_type, record_visibility_key(actor), stamp, sorted(params.items())]
    )
    return f"{COUNTS_FORMAT}:{hashlib.sha256(identity.encode()).hexdigest()}"


def cached_counts(
    actor: Actor, model: type[Record], rows: QuerySet, params: QueryDict, now, compute
) -> tuple[dict, int]:
    """The counts under `counts_key`, or `compute()`'s, then stored for COUNTS_TIMEOUT seconds.

    An entry holds the moment it was counted and the next confirmations due to cross a
    freshness threshold (`_next_crossings`): while the clock has not reached them, it is read
    as it is; once it has, its freshness counts are brought to now (`_fresh_again`) and it is
    stored again. The cache is a help, never a need: when it fails (Redis down), the page
    computes its counts as if nothing had been stored, and says so in the log.
    """
    key = counts_key(actor, model, params, now)
    found = _cache_call(cache.get, key)
    fresh_moves = "freshness" not in params  # else the key moves with the clock (counts_key)
    if isinstance(found, tuple) and len(found) == 4 and found[2] <= now:
        counts, total, counted_at, crossings = found
        if not fresh_moves or not _crossed(crossings, now):
            return counts, total
        counts = {**counts, "freshness": _fresh_again(rows, counts["freshness"], counted_at, now)}
    else:
        counts, total = compute()
    crossings = _next_crossings(actor, model, now) if fresh_moves else None
    _cache_call(cache.set, key, (counts, total, now, crossings), COUNTS_TIMEOUT)
    return counts, total


def _cache_call(method, *args):
    try:
        return method(*args)
    except Exception as error:  # any backend's failure: the page goes on without the cache
        logger.warning("catalogue counts: the cache failed (%r); counting without it", error)
        return None


def _next_crossings(actor: Actor, model: type[Record], now) -> tuple:
    """(the earliest confirmation still current, the earliest still not inactive) of the
    published records the actor sees: when the stale (inactive) cutoff passes the first, a
    record may have changed freshness. Two index probes on `<record>_confirmed`."""
    cutoffs = FreshnessCutoffs.at(now)
    published = visible(actor, model).filter(workflow_state=WorkflowState.PUBLISHED)

    def earliest_from(moment):
        return Subquery(
            published.filter(confirmed_at__gte=moment)
            .order_by("confirmed_at")
            .values("confirmed_at")[:1]
        )

    first = (
        published.annotate(
            stale=earliest_from(cutoffs.stale), inactive=earliest_from(cutoffs.inactive)
        )
        .values_list("stale", "inactive")
        .order_by()[:1]
    )
    return next(iter(first), (None, None))


def _crossed(crossings, now) -> bool:
    """Has the clock reached one of the confirmations `_next_crossings` gave?"""
    if crossings is None:
        return True
    cutoffs = FreshnessCutoffs.at(now)
    first_current, first_active = crossings
    return (first_current is not None and cutoffs.stale > first_current) or (
        first_active is not None and cutoffs.inactive > first_active
    )


def _fresh_again(rows: QuerySet, counted: dict, then, now) -> dict:
    """The freshness counts of `rows` at `now`, from those at `then` (no row changed since):
    those counted then, less the records that crossed a threshold between the two moments, in
    one index range query on the few confirmations in between (`<record>_confirmed`).

    The thresholds are those of freshness.freshness_condition: current from the stale cutoff
    on, stale from the inactive cutoff to the stale one, inactive before it. A record that
    crossed both is moved twice, rightly.
    """
    old, new = FreshnessCutoffs.at(then), FreshnessCutoffs.at(now)
    to_stale = Q(confirmed_at__gte=old.stale, confirmed_at__lt=new.stale)
    to_inactive = Q(confirmed_at__gte=old.inactive, confirmed_at__lt=new.inactive)
    moved = (
        rows.order_by()
        .filter(to_stale | to_inactive, workflow_state=WorkflowState.PUBLISHED)
        .aggregate(stale=Count("pk", filter=to_stale), inactive=Count("pk", filter=to_inactive))
    )
    current, stale, inactive = Freshness.CURRENT, Freshness.STALE, Freshness.INACTIVE
    return {
        **counted,
        current: counted.get(current, 0) - moved["stale"],
        stale: counted.get(stale, 0) + moved["stale"] - moved["inactive"],
        inactive: counted.get(inactive, 0) + moved["inactive"],
    }


# --- The facets' words --------------------------------------------------------------------------


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
    if name in BY_COUNT:
        options.sort(key=lambda option: (-option.count, option.label))
        shown = options[:MOST_COUNTED_SHOWN]
        shown += [option for option in options[MOST_COUNTED_SHOWN:] if option.selected]
        options = shown
    return Facet(name=name, title=str(FACET_TITLES[name]), options=options)


def _most_counted(counted: dict) -> dict:
    """The values a facet listed by count may show: the MOST_COUNTED_SHOWN counted most, and
    those tied with the last of them (the label breaks the tie)."""
    if len(counted) <= MOST_COUNTED_SHOWN:
        return counted
    least = sorted(counted.values(), reverse=True)[MOST_COUNTED_SHOWN - 1]
    return {value: count for value, count in counted.items() if count >= least}


def _organization_names(counted: dict[int, int], chosen: str | None) -> dict[int, tuple[str, str]]:
    """{organization id: (slug, name in the reader's language)} of these organizations, and of
    the one chosen (by slug) if any.

    Read at each request (one query by primary key), not cached: a renamed organization shows
    its new name at once, though its records' counts did not move.
    """
    if not counted:
        return {}
    wanted = Q(pk__in=list(counted)) | Q(slug=chosen) if chosen else Q(pk__in=list(counted))
    found = Organization.objects.filter(wanted).order_by().values_list("pk", "slug", "name")
    return {pk: (slug, pick(name) or slug) for pk, slug, name in found}


def _worded(model, name: str, counted: dict, organizations: dict) -> dict:
    """{value: (the reader's word for it, count)} from {value: count}, in the facet's order."""
    if name == "organization":
        return {
            organizations[pk][0]: (organizations[pk][1], count)
            for pk, count in counted.items()
            if pk in organizations
        }
    if name == "completeness_min":
        return {
            str(step): (completeness_label(step), counted.get(str(step), 0))
            for step in COMPLETENESS_STEPS
        }
    if name == "country":
        return {code: (country_name(code), count) for code, count in counted.items()}
    return {
        value: (text, counted[value])
        for value, text in vocabulary.choices_of(model, name)
        if value in counted
    }


def _freshness_case(now) -> Case:
    """Each row's freshness as a column, from the one rule (freshness.freshness_condition)."""
    return Case(
        *(When(freshness_condition(value, now), then=Value(value)) for value in Freshness.values),
        default=Value(None),
        output_field=CharField(),
    )


# The column each facet listing the values of one column groups the rows by.
GROUPED_COLUMNS = {
    "category": "category",
    "kind": "kind",
    "lifecycle_status": "lifecycle_status",
    "workflow_state": "workflow_state",
    "organization": "organization_id",
}


def shared_counts(
    rows: QuerySet, model: type[Record], names: list[str], now=None
) -> tuple[dict, int]:
    """({facet: {value: count}}, total) of these facets over `rows`, in one statement.

    The filtered rows (only the columns the facets need) are a common table expression, which
    PostgreSQL computes once (a full-text search runs once) and reads twice, whatever the
    number of facets: grouped by each facet's column in turn (GROUPING SETS; the empty set
    gives the total, and with it the freshness and completeness counts, as filtered counts),
    and with each row's countries unnested. SQLite has no grouping sets: there each facet is
    a GROUP BY of its own over the rows, joined with UNION ALL. Rows of (facet, value, count,
    the filtered counts) come back.
    """
    now = now or timezone.now()
    quote = connection.ops.quote_name
    grouped = {name: GROUPED_COLUMNS[name] for name in names if name in GROUPED_COLUMNS}
    country_columns = COUNTRY_COLUMNS[model] if "country" in names else ()
    inner = rows.order_by()
    # (facet, value, condition): the counts that come with the total.
    filtered_counts = []
    if "freshness" in names:
        inner = inner.annotate(_freshness=_freshness_case(now))
        filtered_counts += [
            ("freshness", value, f"{quote('_freshness')} = '{value}'") for value in Freshness.values
        ]
    if "completeness_min" in names:
        filtered_counts += [
            ("completeness_min", str(step), f"{quote('completeness')} >= {step}")
            for step in COMPLETENESS_STEPS
        ]
    read = [*grouped.values(), *(["_freshness"] if "freshness" in names else [])]
    if "completeness_min" in names:
        read.append("completeness")
    counted = "COUNT(*)" + "".join(
        f", COUNT(*) FILTER (WHERE {condition})" for _, _, condition in filtered_counts
    )
    padding = ", NULL" * len(filtered_counts)
    if connection.vendor == "postgresql":
        statement, params = _grouping_sets(inner, read, grouped, counted, padding, country_columns)
    else:
        statement, params = _unions(inner, read, grouped, counted, padding, country_columns)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    counts: dict[str, dict] = {name: {} for name in names}
    total = 0
    for facet_name, value, count, *more in found:
        if facet_name == "total":
            total = count
            for (name, option, _), number in zip(filtered_counts, more, strict=True):
                counts[name][option] = number
        elif value is None:
            continue
        elif facet_name == "organization":
            counts[facet_name][int(value)] = count
        else:
            counts[facet_name][str(value)] = count
    return counts, total


def _grouping_sets(inner, read, grouped, counted, padding, country_columns):
    """PostgreSQL: the filtered rows, computed once (a full-text search runs once) and only
    the columns needed, read twice: grouped by each facet's column in turn and by nothing,
    then with their countries unnested."""
    quote = connection.ops.quote_name
    columns = {name: quote(column) for name, column in grouped.items()}
    sql, params = inner.values(*read, *country_columns or ["id"]).query.sql_with_params()
    if columns:
        facet = " ".join(
            f"WHEN GROUPING({column}) = 0 THEN '{name}'" for name, column in columns.items()
        )
        value = ", ".join(f"CAST({column} AS TEXT)" for column in columns.values())
        sets = "".join(f"({column}), " for column in columns.values())
        statement = (
            f"SELECT CASE {facet} ELSE 'total' END, COALESCE({value}), {counted} "
            f"FROM m GROUP BY GROUPING SETS ({sets}())"
        )
    else:
        statement = f"SELECT 'total', NULL, {counted} FROM m"
    if country_columns:
        # Each row's codes; a code in both of a contact's lists, once (UNION).
        codes = " UNION ".join(
            f"SELECT value FROM jsonb_array_elements_text(m.{quote(column)})"
            for column in country_columns
        )
        statement += (
            f" UNION ALL SELECT 'country', e.value, COUNT(*){padding} FROM m "
            f"CROSS JOIN LATERAL ({codes}) e GROUP BY e.value"
        )
    return f"WITH m AS MATERIALIZED ({sql}) {statement}", list(params)


def _unions(inner, read, grouped, counted, padding, country_columns):
    """SQLite: the rows as a common table expression, a GROUP BY over it for each facet."""
    quote = connection.ops.quote_name
    sql, params = inner.values("id", *read, *country_columns).query.sql_with_params()
    parts = [f"SELECT 'total', NULL, {counted} FROM m"]
    parts += [
        f"SELECT '{name}', CAST({quote(column)} AS TEXT), COUNT(*){padding} FROM m "
        f"GROUP BY {quote(column)}"
        for name, column in grouped.items()
    ]
    if country_columns:
        pairs = " UNION ALL ".join(
            f"SELECT m.id AS row_id, e.value AS code FROM m, json_each(m.{quote(column)}) AS e"
            for column in country_columns
        )
        parts.append(
            f"SELECT 'country', code, COUNT(DISTINCT row_id){padding} FROM ({pairs}) x "
            "GROUP BY code"
        )
    return f"WITH m AS ({sql}) " + " UNION ALL ".join(parts), list(params)


def completeness_label(step) -> str:
    return str(
        _("Complete") if str(step) == "100" else _("%(percent)s%% or more") % {"percent": step}
    )


def _label_for(model, name: str, value: str) -> str:
    if name == "completeness_min":
        return completeness_label(value)
    if name == "country":
        return country_name(value)
    if name == "organization":
        return value
    return vocabulary.field_value_label(model, name, value)


def country_name(code: str) -> str:
    """The country's name in the reader's language (django-countries), else the code."""
    return (str(iso_countries.name(code)) or code) if code else ""


# The counts of one chosen facet over the rows with every other filter: {value: count}.


def _choice_counts(field_name: str):
    def count(rows: QuerySet, model, now) -> dict:
        grouped = rows.values(field_name).annotate(n=Count("pk"))
        return {row[field_name]: row["n"] for row in grouped}

    return count


def _freshness_counts(rows: QuerySet, model, now) -> dict:
    return rows.aggregate(**freshness_counts(now))


def _organization_counts(rows: QuerySet, model, now) -> dict:
    grouped = rows.values("organization_id").annotate(n=Count("pk"))
    return {row["organization_id"]: row["n"] for row in grouped}


def _country_counts(rows: QuerySet, model, now) -> dict:
    return json_list_counts(rows, COUNTRY_COLUMNS[model])


def _completeness_counts(rows: QuerySet, model, now) -> dict:
    found = rows.aggregate(
        **{f"_{step}": Count("pk", filter=Q(completeness__gte=step)) for step in COMPLETENESS_STEPS}
    )
    return {str(step): found[f"_{step}"] for step in COMPLETENESS_STEPS}


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
