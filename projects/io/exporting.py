"""Exports of a filtered list (SPEC 8): the whole result set, streamed in constant memory.

The rows are the caller's (`registry.tenancy.visible`), narrowed by the list's own filters
(`projects.reads.filtersets`, the same as the API's), and read through a server-side cursor inside a
transaction, chunk by chunk, so that the first bytes leave before the query has finished and
memory does not grow with the result set.

An export is defined record by record: a model instance with its linked records (each scoped to
what the actor sees) becomes the API's JSON shape (`record_item`) and, in CSV and XLSX, cells
(`columns.item_cells`, `writers.csv_text`). Exports do not build model instances, though (issue
11): they read the same queryset as plain tuples (`values_list`), let the database take the text
of each language out of the multilingual columns (`title ->> 'en'`), fetch each chunk's linked
records with one query per link from the same visible querysets, as (record id, ...) tuples, and
turn a chunk into CSV with one `writerows`. The tests hold both readings to the same bytes
(tests/projects/io/test_export_fast_path.py); `reference_stream` is the record-by-record one.
"""

from __future__ import annotations

import datetime
import json
from collections import namedtuple
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import islice
from operator import itemgetter

import orjson
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import F, Func, OuterRef, Prefetch, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from projects.domain import public_metadata
from projects.domain.content import FIELDS, LINK_FIELDS, column_json, field_json
from projects.domain.freshness import FreshnessCutoffs, freshness
from projects.io import columns
from projects.io.geojson import feature_maker
from projects.io.writers import (
    json_number,
    stream_csv_chunks,
    stream_geojson,
    stream_json,
    stream_table,
)
from projects.models import Contact, Participation, Project, ProjectRelation, Record, Zone
from projects.reads.filtersets import ContactFilterSet, ProjectFilterSet, ZoneFilterSet
from projects.validation import ZONE_POLICY_KEYS
from registry.tenancy import Actor, visible

EXPORT_FORMATS = ("csv", "xlsx", "json", "geojson")
# GeoJSON needs a geometry: a zone's polygon, a project's locations. Contacts have neither.
# One feature per record (projects.io.geojson), a feature maker per type.
GEOJSON_FEATURES = {Project: feature_maker, Zone: feature_maker}
GEOJSON_LANGUAGES = ("en", "zh", "ru")
FILTERSETS = {Project: ProjectFilterSet, Zone: ZoneFilterSet, Contact: ContactFilterSet}
# Rows fetched per round trip of the server-side cursor (and per query of linked records).
CHUNK_SIZE = 1000


class FormatNotOffered(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_format(model: type[Record], format: str) -> None:
    if format not in EXPORT_FORMATS:
        raise FormatNotOffered(
            f"Export format {format!r} is not offered; use one of {', '.join(EXPORT_FORMATS)}."
        )
    if format == "geojson" and model not in GEOJSON_FEATURES:
        raise FormatNotOffered(
            "GeoJSON is offered for projects (their locations) and zones (their areas); "
            "contacts have no geometry. Use csv, xlsx or json."
        )


def filtered(actor: Actor, model: type[Record], params, request) -> QuerySet:
    """The records the actor may see, narrowed by the list filters in `params` (a QueryDict).

    Unknown filter values raise rest_framework's ValidationError naming the filter.
    """
    filterset = FILTERSETS[model](
        params, queryset=visible(actor, model).select_related("organization"), request=request
    )
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def too_many_to_stream(queryset: QuerySet) -> str | None:
    """Why `queryset` is too large to stream within the server's timeout (EXPORT_STREAM_MAX_ROWS),
    or None. A stream cut off by the timeout would look complete (200): refuse it up front and
    point to the export jobs, which build a file of any size (issue 19)."""
    limit = settings.EXPORT_STREAM_MAX_ROWS
    if not queryset[limit : limit + 1].exists():
        return None
    record_type = queryset.model.record_type
    return (
        f"More than {limit} {record_type} match: too many to stream. Narrow the filters, or "
        f"POST /api/v1/{record_type}/export-jobs/ with the same filters and "
        '{"format": ...} to build the file in the background.'
    )


def prefetches(actor: Actor, model: type[Record]) -> list[Prefetch]:
    """The linked records an export item names, each scoped to what the actor sees."""
    if model is Project:
        return [
            Prefetch("zones", queryset=visible(actor, Zone), to_attr="visible_zones"),
            Prefetch(
                "relations",
                queryset=visible(actor, ProjectRelation).select_related("related"),
                to_attr="visible_relations",
            ),
            Prefetch(
                "participations",
                queryset=visible(actor, Participation).select_related("participant"),
                to_attr="visible_participations",
            ),
        ]
    if model is Contact:
        return [
            Prefetch("zones", queryset=visible(actor, Zone), to_attr="visible_zones"),
            Prefetch("projects", queryset=visible(actor, Project), to_attr="visible_projects"),
        ]
    return []


def _moment(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _links(record: Record, name: str):
    if name == "related_projects":
        return sorted(
            (
                {"identifier": relation.related.identifier, "kind": relation.kind}
                for relation in record.visible_relations
            ),
            key=lambda item: item["identifier"],
        )
    linked = record.visible_zones if name == "zones" else record.visible_projects
    return sorted(other.identifier for other in linked)


def record_item(record: Record, now: datetime.datetime, actor: Actor | None = None) -> dict:
    """One exported record: the API's JSON shape (SPEC 6) without the links to other pages.

    Outside the owner, `version` and `updated_at` are the public ones
    (projects.domain.public_metadata)."""
    actor = actor or Actor.anonymous()
    item = {
        "identifier": record.identifier,
        "organization": record.organization.slug,
        "workflow_state": record.workflow_state,
        "version": public_metadata.version_for(actor, record),
        "created_at": _moment(record.created_at),
        "updated_at": _moment(public_metadata.updated_at_for(actor, record)),
        "published_at": _moment(record.published_at),
        "confirmed_at": _moment(record.confirmed_at),
        "freshness": freshness(record, now),
        "completeness": record.completeness,
    }
    for name in FIELDS[type(record)]:
        item[name] = _links(record, name) if name in LINK_FIELDS else field_json(record, name)
    if isinstance(record, Project):
        item["participants"] = [
            {
                "organization": participation.participant.slug,
                "role": participation.role,
                "status": participation.status,
            }
            for participation in record.visible_participations
        ]
    return item


def records(actor: Actor, queryset: QuerySet) -> Iterator[Record]:
    """The queryset through a server-side cursor, linked records prefetched chunk by chunk.

    Inside a transaction: outside one, Django declares the cursor WITH HOLD, and PostgreSQL
    then runs the whole query before it hands over the first row. The transaction only reads,
    and ends when the stream does (or is closed by a client that went away).
    """
    with_links = queryset.prefetch_related(*prefetches(actor, queryset.model))
    with transaction.atomic():
        yield from with_links.iterator(chunk_size=CHUNK_SIZE)


def reference_items(actor: Actor, queryset: QuerySet) -> Iterator[dict]:
    """`record_item` of every record: the definition `items` keeps to."""
    now = timezone.now()
    for record in records(actor, queryset):
        yield record_item(record, now, actor)


def languages_in_use(queryset: QuerySet) -> set[str]:
    """Every language key of the multilingual fields in the result set (one query), so that a
    CSV or XLSX export has a column for each and loses no text."""
    model = queryset.model
    names = [name for name in FIELDS[model] if columns.FIELD_KINDS[name] == columns.MULTILINGUAL]
    sql, params = queryset.order_by().values(*names).query.sql_with_params()
    quoted = [f"t.{connection.ops.quote_name(name)}" for name in names]
    if connection.vendor == "postgresql":
        # The fields' objects merged (`||`: the union of their keys), so that the result set is
        # read once, not once per field: 59 -> 19 ms at 10k, 5.2 -> 1.9 s at 1M (issue 21).
        merged = " || ".join(f"coalesce({column}, '{{}}')" for column in quoted)
        keys, repeat = f"SELECT DISTINCT jsonb_object_keys({merged}) FROM ({sql}) t", 1
    else:
        keys = " UNION ".join(f"SELECT j.key FROM ({sql}) t, json_each({c}) j" for c in quoted)
        repeat = len(names)
    with connection.cursor() as cursor:
        cursor.execute(keys, params * repeat)
        return {row[0] for row in cursor.fetchall()}


AMOUNT_FIELDS = {Project: ("budget_amount",), Zone: (), Contact: ()}


def _with_numbers(model: type[Record], items: Iterator[dict]) -> Iterator[dict]:
    """Amounts as JSON numbers in the JSON and GeoJSON files (DuckDB, GDAL and pandas read
    numbers, not text); the API keeps its decimal strings."""
    names = AMOUNT_FIELDS[model]
    for item in items:
        for name in names:
            item[name] = json_number(item.get(name))
        yield item


def _item_stream(
    model: type[Record], format: str, items: Iterator[dict], lang: str = "en"
) -> Iterator[bytes]:
    """JSON or GeoJSON of export items, whichever path made them."""
    items = _with_numbers(model, items)
    if format == "json":
        return stream_json(items)
    to_features = GEOJSON_FEATURES[model](model, lang)
    return stream_geojson(feature for item in items for feature in to_features(item))


def reference_stream(
    actor: Actor, queryset: QuerySet, format: str, lang: str = "en"
) -> Iterator[bytes]:
    """An export record by record (model instances, `record_item`, `item_cells`, `csv_text`):
    the definition of the bytes `export_stream` gives."""
    model = queryset.model
    check_format(model, format)
    if format in ("json", "geojson"):
        return _item_stream(model, format, reference_items(actor, queryset), lang)
    languages = columns.all_languages(languages_in_use(queryset))
    typed = format == "xlsx"
    rows = (
        columns.item_cells(model, item, languages, typed=typed)
        for item in reference_items(actor, queryset)
    )
    return stream_table(format, columns.export_columns(model, languages), rows, model.record_type)


# --- Plain tuples ----------------------------------------------------------------------------


class JsonText(Func):
    """The text under one key of a JSON object column, empty when the key is absent: what
    `value.get(key, "")` gives for text values (`coalesce(title ->> 'en', '')`)."""

    output_field = TextField()

    def __init__(self, column: str, key: str):
        super().__init__(F(column))
        self.key = key

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"coalesce({sql} ->> %s, '')", (*params, self.key)


def json_text(column: str) -> Cast:
    """A JSON column as its text, parsed here (json.loads, as the model field would) only
    where the export needs the value."""
    return Cast(column, TextField())


def date_text(column: str) -> Func:
    """A date as `isoformat` writes it (YYYY-MM-DD), empty when there is none."""
    return Func(
        F(column),
        template="coalesce(to_char(%(expressions)s, 'YYYY-MM-DD'), '')",
        output_field=TextField(),
    )


def text_array(*columns: str) -> Func:
    """ARRAY[a, b, ...]: several text columns of one linked row as one value."""
    return Func(
        *(F(column) for column in columns),
        template="ARRAY[%(expressions)s]",
        output_field=ArrayField(TextField()),
    )


def link_column(actor: Actor, model: type[Record], name: str) -> ArraySubquery:
    """The linked records of a link field (or a project's participants) in one column of the
    record's row: ARRAY(SELECT ...) over the same visible querysets as `prefetches`, so that the
    database finds each record's few links by index as it reads the record.

    Zones and projects: their identifiers; related projects: [identifier, kind] pairs;
    participants: [organization, role, status], in the prefetch's order (the model's ordering).
    """
    if name == "participants":
        linked = visible(actor, Participation).filter(project=OuterRef("pk"))
        return ArraySubquery(linked.values(item=text_array("participant__slug", "role", "status")))
    if name == "related_projects":
        linked = visible(actor, ProjectRelation).filter(project=OuterRef("pk")).order_by()
        return ArraySubquery(linked.values(item=text_array("related__identifier", "kind")))
    target = Zone if name == "zones" else Project
    reverse = "projects" if model is Project else "contacts"
    linked = visible(actor, target).filter(**{reverse: OuterRef("pk")}).order_by()
    return ArraySubquery(linked.values("identifier"))


def _link_value(name: str, linked: list | None):
    """A link column's value as `record_item` gives it: sorted identifiers, or relation objects
    sorted by identifier; participants in their column's order."""
    if name == "participants":
        return [
            {"organization": slug, "role": role, "status": status}
            for slug, role, status in linked or ()
        ]
    if name == "related_projects":
        return sorted(
            ({"identifier": identifier, "kind": kind} for identifier, kind in linked or ()),
            key=lambda item: item["identifier"],
        )
    return sorted(linked or ())


def moment_text(column: str) -> Func:
    """A timestamp as `_moment` writes it for the UTC datetime Django reads (ISO 8601 with
    microseconds in full or none, `Z`), NULL when there is none; made by the database:
    psycopg's loader of time-zone-aware timestamps, as Django configures it, is Python code,
    slow for millions."""
    return Func(
        F(column),
        template=(
            "(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
            "CASE WHEN date_trunc('second', %(expressions)s) = %(expressions)s THEN 'Z' "
            "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US\"Z\"') END)"
        ),
        output_field=TextField(),
    )


# The columns every export reads first, in this order, after the primary key.
META_SELECTED = (
    "identifier",
    "organization__slug",
    "workflow_state",
    "organization_id",
    "version",
    "public_version",
    moment_text("created_at"),
    moment_text("updated_at"),
    moment_text("public_updated_at"),
    moment_text("published_at"),
    moment_text("confirmed_at"),
    "completeness",
)
# What `projects.domain.public_metadata` and `projects.domain.freshness` read of a record, from
# its tuple (row[3:12]); the times as the export writes them (`moment_text`).
RowState = namedtuple(
    "RowState",
    "workflow_state organization_id version public_version created_at updated_at "
    "public_updated_at published_at confirmed_at",
)
_STATE = slice(3, 12)
_COMPLETENESS = 12
_FIRST_SELECTED = 1 + len(META_SELECTED)


def chunks(queryset: QuerySet, selected: list) -> Iterator[list[tuple]]:
    """The rows of `queryset` as tuples (pk, *META_SELECTED, *selected), CHUNK_SIZE at a time,
    through one server-side cursor, inside a transaction (see `records`).

    While the caller writes a chunk, the next one is read: the database works out the rows (and
    their links) on its own core meanwhile. The transaction and cursor stay this thread's: the
    reading thread only fetches from the cursor, one chunk at a time, and has finished by the
    time the transaction ends (also when the caller stops early).

    Without JIT compilation: its compiling would take longer than the cursor's work, the
    per-row link subqueries making the query look expensive to the planner.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        rows = queryset.values_list("pk", *META_SELECTED, *selected).iterator(chunk_size=CHUNK_SIZE)
        chunk = list(islice(rows, CHUNK_SIZE))  # here: the cursor opens on this connection
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read-ahead") as reader:
            while chunk:
                following = reader.submit(lambda: list(islice(rows, CHUNK_SIZE)))
                try:
                    yield chunk
                finally:
                    chunk = following.result()


def _selected_field(actor: Actor, model: type[Record], name: str):
    """What the query selects for one field of FIELDS: the column, its JSON text, or the links."""
    if name in LINK_FIELDS:
        return link_column(actor, model, name)
    if columns.FIELD_KINDS[name] in (columns.TEXT, columns.DATE, columns.DECIMAL):
        return name
    return json_text(name)


def _item_plan(actor: Actor, model: type[Record]) -> tuple[list, list[tuple]]:
    """(the selected expressions, per field of FIELDS: (name, tuple index, the conversion of the
    selected value to what `record_item` gives))."""
    selected, plan = [], []
    for name in FIELDS[model]:
        selected.append(_selected_field(actor, model, name))
        index = _FIRST_SELECTED + len(selected) - 1
        if name in LINK_FIELDS:
            plan.append((name, index, lambda linked, name=name: _link_value(name, linked)))
        elif columns.FIELD_KINDS[name] in (columns.TEXT, columns.DATE, columns.DECIMAL):
            field = model._meta.get_field(name)
            plan.append((name, index, lambda value, field=field: column_json(field, value)))
        else:
            plan.append((name, index, lambda text: None if text is None else json.loads(text)))
    return selected, plan


def items(actor: Actor, queryset: QuerySet, *, participants: bool = True) -> Iterator[dict]:
    """`record_item` of every record, from plain tuples (no model instances)."""
    model = queryset.model
    selected, plan = _item_plan(actor, model)
    # Freshness compares the confirmation time itself.
    selected.append("confirmed_at")
    confirmed = _FIRST_SELECTED + len(selected) - 1
    participants = participants and model is Project
    if participants:
        selected.append(link_column(actor, model, "participants"))
    cutoffs = FreshnessCutoffs.at(timezone.now())
    for chunk in chunks(queryset, selected):
        for row in chunk:
            state = RowState._make(row[_STATE])
            item = {
                "identifier": row[1],
                "organization": row[2],
                "workflow_state": state.workflow_state,
                "version": public_metadata.version_for(actor, state),
                "created_at": state.created_at,
                "updated_at": public_metadata.updated_at_for(actor, state),
                "published_at": state.published_at,
                "confirmed_at": state.confirmed_at,
                "freshness": freshness(
                    state._replace(confirmed_at=row[confirmed]), cutoffs=cutoffs
                ),
                "completeness": row[_COMPLETENESS],
            }
            for name, index, convert in plan:
                item[name] = convert(row[index])
            if participants:
                item["participants"] = _link_value("participants", row[-1])
            yield item


# --- CSV from plain tuples -------------------------------------------------------------------


def _csv_plan(actor: Actor, model: type[Record], languages: tuple[str, ...]):
    """(the selected expressions, the steps that make a row's content cells from its tuple).

    A step is (start, stop, None): the tuple's values as they are (text), or (index, None,
    convert): one value converted. Consecutive spans are merged, so that a row of
    mostly text is a few slices.
    """
    selected: list = []
    steps: list[tuple] = []
    for name in FIELDS[model]:
        kind = columns.FIELD_KINDS[name]
        start = _FIRST_SELECTED + len(selected)
        if name not in LINK_FIELDS and kind in (columns.MULTILINGUAL, columns.POLICIES):
            keys = languages if kind == columns.MULTILINGUAL else ZONE_POLICY_KEYS
            selected.extend(JsonText(name, key) for key in keys)
        elif name not in LINK_FIELDS and kind == columns.TEXT:
            selected.append(name)
        elif kind == columns.DATE:
            selected.append(date_text(name))
        elif kind == columns.DECIMAL:
            # numeric(p, s) as text has its s decimals, as `column_json` writes the Decimal.
            selected.append(Coalesce(Cast(name, TextField()), Value(""), output_field=TextField()))
        else:
            selected.append(_selected_field(actor, model, name))
            steps.append((start, None, _cell_of(model, name)))
            continue
        stop = _FIRST_SELECTED + len(selected)
        if steps and steps[-1][2] is None and steps[-1][1] == start:
            steps[-1] = (steps[-1][0], stop, None)
        else:
            steps.append((start, stop, None))
    return selected, steps


def _cell_of(model: type[Record], name: str) -> Callable:
    """The CSV cell of one selected value that is not text as it is, as `item_cells` and
    `csv_text` make it from `record_item`'s value."""
    kind = columns.FIELD_KINDS[name]
    if name in LINK_FIELDS:
        return _links_cell(name)
    if kind == columns.LIST:
        return _list_cell
    if kind in columns.ITEM_PARTS:
        return _objects_cell(name, columns.ITEM_PARTS[kind])
    return lambda text: columns.field_cells(
        name, None if text is None else json.loads(text), (), typed=False
    )[0]


def _json_loads(text: str):
    """json.loads(text) of a list of locations or documents, four times as fast. orjson reads
    text, and numbers of up to 64 bits, as json does (the same float for the same digits); it
    would read a larger integer as a float, which no stored location holds (projects.validation
    keeps lat and lon within ±180). What orjson refuses, json reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _plain(text: str) -> bool:
    """Has the text none of what `columns.join_items` escapes (so neither has any item in it)?"""
    return "\\" not in text and ";" not in text and "|" not in text


def _list_cell(text: str | None) -> str:
    """A list of text from its JSON text, as `columns.field_cells` joins it: when nothing is to
    be escaped, the items joined by `;`."""
    if text is None or text == "[]":
        return ""
    values = orjson.loads(text)  # text only: as json.loads reads it
    if _plain(text):
        return ";".join(values)
    return columns.join_items([value] for value in values)


def _objects_cell(name: str, parts: tuple[str, ...]) -> Callable:
    """A list of objects (locations, documents) from its JSON text, as `columns.field_cells`
    joins it: when nothing is to be escaped, each object's parts joined by `|`, the objects by
    `;` (a number's text, `columns.part_text`, has nothing to escape)."""
    part_text = columns.part_text
    locations = parts == ("name", "lat", "lon")

    def item_text(item: dict) -> str:
        if locations:
            place, lat, lon = item.get("name"), item.get("lat"), item.get("lon")
            if type(place) is str and type(lat) is float and type(lon) is float:
                return f"{place}|{lat!r}|{lon!r}"  # part_text of each
        return "|".join([part_text(item.get(part)) for part in parts])

    def cell(text: str | None) -> str:
        if text is None or text == "[]":
            return ""
        values = _json_loads(text)
        if _plain(text):
            return ";".join([item_text(item) for item in values])
        return columns.field_cells(name, values, (), typed=False)[0]

    return cell


def _links_cell(name: str) -> Callable:
    """A link field's cell from its column (`link_column`), as `columns.field_cells` joins
    `record_item`'s value: when nothing is to be escaped, joined as they are."""
    if name == "related_projects":

        def relations(linked: list | None) -> str:
            if not linked:
                return ""
            pairs = sorted(linked, key=_first)
            if _plain("".join([identifier + kind for identifier, kind in pairs])):
                return ";".join([f"{identifier}|{kind}" for identifier, kind in pairs])
            return columns.field_cells(name, _link_value(name, linked), (), typed=False)[0]

        return relations

    def identifiers(linked: list | None) -> str:
        if not linked:
            return ""
        if _plain("".join(linked)):
            return ";".join(sorted(linked))
        return columns.join_items([identifier] for identifier in sorted(linked))

    return identifiers


def _first(pair):
    return pair[0]


# Where the cells of META_COLUMNS come from in a row's tuple (version and updated_at are the
# real ones until `csv_chunks` puts the viewer's in).
_META_CELLS = (1, 2, 3, 5, 7, 8, 10, 11)


def csv_chunks(actor: Actor, queryset: QuerySet, languages: tuple[str, ...]):
    """The export's CSV rows, a chunk at a time, each cell text (`writers.stream_csv_chunks`
    escapes formulas): the cells `item_cells(..., typed=False)` gives for `record_item`.

    A row's values are picked in cell order at once (`itemgetter`), then the few that are not
    text as they are converted in place.
    """
    selected, steps = _csv_plan(actor, queryset.model, languages)
    indices, conversions = list(_META_CELLS), []
    for first, stop, convert in steps:
        if convert is None:
            indices.extend(range(first, stop))
        else:
            conversions.append((len(indices), convert))
            indices.append(first)
    cells_of = itemgetter(*indices)
    new_state = partial(tuple.__new__, RowState)  # RowState._make without its Python frame
    version_for, updated_at_for = public_metadata.version_for, public_metadata.updated_at_for
    for chunk in chunks(queryset, selected):
        cells_of_chunk = []
        for row in chunk:
            state = new_state(row[_STATE])
            cells = list(cells_of(row))
            cells[3] = str(version_for(actor, state))
            cells[5] = updated_at_for(actor, state)
            cells[6] = cells[6] or ""  # published_at
            cells[7] = cells[7] or ""  # confirmed_at
            for position, convert in conversions:
                cells[position] = convert(cells[position])
            cells_of_chunk.append(cells)
        yield cells_of_chunk


def export_stream(
    actor: Actor, queryset: QuerySet, format: str, lang: str = "en"
) -> Iterator[bytes]:
    """The bytes of an export of `queryset` (already scoped and filtered) in `format`.

    On a database other than PostgreSQL (SQLite in development), or one whose connection is not
    in UTC (`moment_text`), record by record."""
    model = queryset.model
    check_format(model, format)
    if connection.vendor != "postgresql" or connection.timezone_name != "UTC":
        return reference_stream(actor, queryset, format, lang)
    if format in ("json", "geojson"):
        return _item_stream(model, format, items(actor, queryset), lang)
    languages = columns.all_languages(languages_in_use(queryset))
    header = columns.export_columns(model, languages)
    if format == "csv":
        return stream_csv_chunks(header, csv_chunks(actor, queryset, languages))
    rows = (
        columns.item_cells(model, item, languages, typed=True)
        for item in items(actor, queryset, participants=False)
    )
    return stream_table(format, header, rows, model.record_type)


def export_filename(model: type[Record], format: str, stamp: datetime.date | None = None) -> str:
    stamp = stamp or timezone.localdate()
    return f"{model.record_type}-{stamp.isoformat()}.{format}"
