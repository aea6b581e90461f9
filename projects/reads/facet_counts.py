"""The catalogue's facet counts (SPEC 7, issue 11): counted in one statement, kept in the cache.

Each facet counts what choosing one of its values would give. The facets not in use and the
total come from one statement over the filtered rows (`shared_counts`); a chosen facet is
counted by its own query (`COUNTERS`). The numbers are kept in Django's cache under a key that
moves whenever they could (`counts_key`), and brought up to date when records cross a freshness
threshold (`cached_counts`). They are raw numbers: `projects.reads.catalogue` words them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils import timezone

from projects.choices import Freshness, WorkflowState
from projects.domain import change_counters
from projects.domain.boundary import record_visibility_key
from projects.domain.freshness import (
    FreshnessCutoffs,
    confirmations_at_thresholds,
    freshness_condition,
    freshness_counts,
)
from projects.models import Contact, Project, Record, Zone
from registry import jobs
from registry.tenancy import Actor, visible

logger = logging.getLogger(__name__)

# The completeness facet's steps: records whose completeness (0-100) is at least this.
COMPLETENESS_STEPS = (100, 75, 50, 25)
# A contact is found by the countries it is in and those it covers (ContactFilterSet does the
# same), so its country facet counts both lists.
COUNTRY_COLUMNS = {
    Project: ("countries",),
    Zone: ("countries",),
    Contact: ("countries", "countries_covered"),
}
# How long a page's counts stay in the cache, in seconds. Their key moves with every change
# they show (`counts_key`); the bound is a second safety net, and frees the entries of
# filters nobody asks for again. Not much shorter: at 1M records counting again takes seconds,
# in each worker when the cache is each worker's own memory (no REDIS_URL).
COUNTS_TIMEOUT = 15 * 60
# Part of every key: change it when the cached counts change shape.
COUNTS_FORMAT = "catalogue-counts:3"
# A count that took this long (seconds) is not made again in the request after a change: the
# page shows the latest counts, saying when they were made, while the worker counts again
# (issue 21: at 1M records a count takes seconds, and every public change moves the key).
SLOW_COUNT_SECONDS = 0.5
# How long a list's latest counts are kept to be shown after a change (`latest_key`): longer
# than an entry under its own key, so that a list asked again after a quiet hour is not counted
# in the request either, and the page says how old its counts are.
LATEST_TIMEOUT = 24 * 60 * 60
# How long one request's recount stands for all (the others do not queue it again); a count
# not stored by then is asked for again.
RECOUNT_CLAIM_SECONDS = 120


def counts_key(actor: Actor, model: type[Record], params: QueryDict, now) -> str:
    """The cache key of the counts of this actor's list of `model` filtered by `params`.

    Counts stored under a key are the right ones for whoever asks with it, and never cross the
    tenant boundary, because the key holds everything they depend on:

    * what the actor's lists show: the change counters they depend on
      (`change_counters.counters_seen`, the stamp of the lists' ETags less the clock), which move in
      the transaction of any change to it. With a freshness filter, the rows themselves change
      when a record crosses a freshness threshold: then the key takes the whole stamp
      (`change_counters.list_stamp`), which moves with each crossing too. Without one, only the
      freshness facet moves with the clock, and `cached_counts` brings it up to date, so that
      an entry lives on while records turn stale one by one (at 1M records, about one a
      minute);
    * the list itself (`_list_identity`): who the actor is as far as visibility goes, the
      record type and the filters.

    Not the language: the entry holds numbers, worded after they are read (`_worded`).
    The stamp is read before the counts are computed, so an entry is never older than its key.
    """
    if "freshness" in params:
        stamp, _ = change_counters.list_stamp(actor, model, now)
    else:
        stamp, _ = change_counters.counters_seen(actor)
    return _key(_list_identity(actor, model, params), stamp)


def latest_key(actor: Actor, model: type[Record], params: QueryDict) -> str:
    """The key of the latest counts of this list, whatever has changed since: what a page shows,
    saying when they were counted, while the worker counts again (`cached_counts`)."""
    return _key(_list_identity(actor, model, params), "latest")


def _list_identity(actor: Actor, model: type[Record], params: QueryDict) -> list:
    """The list the counts are of: who the actor is as far as visibility goes
    (`boundary.record_visibility_key`: what they may see, not who they are, so that every
    visitor shares one entry, and every member of one organization another), the record type
    and the filters, sorted (not the page position nor the sort: the counts are those of the
    whole filtered list)."""
    return [model.record_type, record_visibility_key(actor), sorted(params.items())]


def _key(identity: list, stamp) -> str:
    digest = hashlib.sha256(json.dumps([*identity, stamp]).encode()).hexdigest()
    return f"{COUNTS_FORMAT}:{digest}"


@dataclass(frozen=True)
class Counted:
    """A list's counts: ({facet: {value: count}}, the total), and when they were counted if
    they are older than the list's last change (`as_of`; None when they are current)."""

    counts: dict
    total: int
    as_of: datetime.datetime | None = None


def cached_counts(
    actor: Actor,
    model: type[Record],
    rows: QuerySet,
    params: QueryDict,
    now,
    compute,
    recount_later=None,
) -> Counted:
    """The counts under `counts_key`, or `compute()`'s, then stored for COUNTS_TIMEOUT seconds.

    An entry holds the moment it was counted and the next confirmations due to cross a
    freshness threshold (`_next_crossings`): while the clock has not reached them, it is read
    as it is; once it has, its freshness counts are brought to now (`_fresh_again`) and it is
    stored again. The cache is a help, never a need: when it fails (Redis down), the page
    computes its counts as if nothing had been stored, and says so in the log.

    After a change the key moves. When the list's latest counts took SLOW_COUNT_SECONDS or
    more to make (at 1M records, seconds), the request does not count again: it answers with
    those counts, saying when they were made, and calls `recount_later()`, which queues the
    count on the worker (once per key: `_claim_recount`). Where jobs run in-process (no
    broker), or without `recount_later`, there is nobody to hand it to: the request counts.
    """
    key = counts_key(actor, model, params, now)
    found = _read(key)
    fresh_moves = "freshness" not in params  # else the key moves with the clock (counts_key)
    if _valid(found, now):
        counts, total, counted_at, crossings, seconds = found
        if not fresh_moves or not _crossed(crossings, now):
            return Counted(counts, total)
        counts = {**counts, "freshness": _fresh_again(rows, counts["freshness"], counted_at, now)}
    else:
        latest = _read(latest_key(actor, model, params))
        slow = _valid(latest, now) and latest[4] >= SLOW_COUNT_SECONDS
        if slow and recount_later is not None and not jobs.eager():
            if _claim_recount(key):
                recount_later()
            return Counted(latest[0], latest[1], as_of=latest[2])
        counts, total, seconds = _timed(compute)
    _keep(actor, model, params, key, (counts, total, now, seconds))
    return Counted(counts, total)


def recount(actor: Actor, model: type[Record], params: QueryDict, now, compute) -> None:
    """Count a list again and keep it under its key (the worker's side of `cached_counts`)."""
    key = counts_key(actor, model, params, now)
    counts, total, seconds = _timed(compute)
    _keep(actor, model, params, key, (counts, total, now, seconds))


def _timed(compute) -> tuple[dict, int, float]:
    started = time.monotonic()
    counts, total = compute()
    return counts, total, time.monotonic() - started


def _keep(actor: Actor, model: type[Record], params: QueryDict, key: str, counted: tuple) -> None:
    """Store (counts, total, counted at, seconds it took) under `key` and as the list's latest,
    with the next freshness crossings when the freshness facet moves with the clock."""
    counts, total, now, seconds = counted
    fresh_moves = "freshness" not in params
    crossings = _next_crossings(actor, model, now) if fresh_moves else None
    entry = (counts, total, now, crossings, seconds)
    _store(key, entry)
    _store(latest_key(actor, model, params), entry, LATEST_TIMEOUT)


def _valid(entry, now) -> bool:
    return isinstance(entry, tuple) and len(entry) == 5 and entry[2] <= now


def _claim_recount(key: str) -> bool:
    """True for the first request to ask for a recount of `key` in RECOUNT_CLAIM_SECONDS: the
    others show the latest counts without queueing the same count again."""
    return bool(_cache_call(cache.add, f"{key}:recount", True, RECOUNT_CLAIM_SECONDS))


# The counts' first level: this process's memory, in front of the shared cache (Redis in
# production), which costs a round trip and an unpickling of every facet's counts on each page
# (issue 21: a warm page took 28 ms with Redis, 19 ms with local memory). An entry kept here is
# as right as the shared one, since its key holds all the counts depend on (`counts_key`); the
# shared cache is asked on a miss here and written with every count, so the other processes
# share the work. The LOCAL_ENTRIES most recently used are kept, each for COUNTS_TIMEOUT.
LOCAL_ENTRIES = 512
_local: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
_local_lock = threading.Lock()


def _read(key: str):
    with _local_lock:
        kept = _local.get(key)
        if kept is not None and kept[0] > time.monotonic():
            _local.move_to_end(key)
            return kept[1]
    found = _cache_call(cache.get, key)
    if found is not None:
        _remember(key, found)
    return found


def _store(key: str, value: tuple, timeout: int = COUNTS_TIMEOUT) -> None:
    _remember(key, value)
    _cache_call(cache.set, key, value, timeout)


def _remember(key: str, value: tuple) -> None:
    with _local_lock:
        _local[key] = (time.monotonic() + COUNTS_TIMEOUT, value)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def forget_local() -> None:
    """Empty this process's level (tests roll the database back under equal keys)."""
    with _local_lock:
        _local.clear()


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
    published = visible(actor, model).filter(workflow_state=WorkflowState.PUBLISHED)
    return confirmations_at_thresholds(published, now, before=False)


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
