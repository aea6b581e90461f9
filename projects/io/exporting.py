"""Exports of a filtered list (SPEC 8): the whole result set, streamed in constant memory.

The rows are the caller's (`registry.tenancy.visible`), narrowed by the list's own filters
(`projects.filtersets`, the same as the API's), and read through a server-side cursor
(`.iterator(chunk_size=...)`, linked records prefetched per chunk), so that the first bytes
leave before the query has finished and memory does not grow with the result set.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from projects import publicity
from projects.content import FIELDS, LINK_FIELDS, field_json
from projects.filtersets import ContactFilterSet, ProjectFilterSet, ZoneFilterSet
from projects.freshness import freshness
from projects.models import Contact, Participation, Project, ProjectRelation, Record, Zone
from registry.api.renderers import location_features, zone_features
from registry.tenancy import Actor, visible

from . import columns
from .writers import stream_geojson, stream_json, stream_table

EXPORT_FORMATS = ("csv", "xlsx", "json", "geojson")
# GeoJSON needs a geometry: a zone's polygon, a project's locations. Contacts have neither.
GEOJSON_FEATURES = {Project: location_features, Zone: zone_features}
FILTERSETS = {Project: ProjectFilterSet, Zone: ZoneFilterSet, Contact: ContactFilterSet}
# Rows fetched per round trip of the server-side cursor (and per prefetch of linked records).
CHUNK_SIZE = 500


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

    Outside the owner, `version` and `updated_at` are the public ones (projects.publicity)."""
    actor = actor or Actor.anonymous()
    item = {
        "identifier": record.identifier,
        "organization": record.organization.slug,
        "workflow_state": record.workflow_state,
        "version": publicity.version_for(actor, record),
        "created_at": _moment(record.created_at),
        "updated_at": _moment(publicity.updated_at_for(actor, record)),
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


def items(actor: Actor, queryset: QuerySet) -> Iterator[dict]:
    now = timezone.now()
    for record in records(actor, queryset):
        yield record_item(record, now, actor)


def languages_in_use(queryset: QuerySet) -> set[str]:
    """Every language key of the multilingual fields in the result set (one query), so that a
    CSV or XLSX export has a column for each and loses no text."""
    model = queryset.model
    names = [name for name in FIELDS[model] if columns.FIELD_KINDS[name] == columns.MULTILINGUAL]
    sql, params = queryset.order_by().values(*names).query.sql_with_params()
    if connection.vendor == "postgresql":
        keys = " UNION ".join(
            f"SELECT jsonb_object_keys(t.{connection.ops.quote_name(name)}) FROM ({sql}) t"
            for name in names
        )
    else:
        keys = " UNION ".join(
            f"SELECT j.key FROM ({sql}) t, json_each(t.{connection.ops.quote_name(name)}) j"
            for name in names
        )
    with connection.cursor() as cursor:
        cursor.execute(keys, params * len(names))
        return {row[0] for row in cursor.fetchall()}


def export_stream(actor: Actor, queryset: QuerySet, format: str) -> Iterator[bytes]:
    """The bytes of an export of `queryset` (already scoped and filtered) in `format`."""
    model = queryset.model
    check_format(model, format)
    if format == "json":
        return stream_json(items(actor, queryset))
    if format == "geojson":
        to_features = GEOJSON_FEATURES[model]
        return stream_geojson(
            feature for item in items(actor, queryset) for feature in to_features(item)
        )
    languages = columns.all_languages(languages_in_use(queryset))
    typed = format == "xlsx"
    rows = (
        columns.item_cells(model, item, languages, typed=typed) for item in items(actor, queryset)
    )
    return stream_table(format, columns.export_columns(model, languages), rows, model.record_type)


def template_stream(model: type[Record], format: str) -> Iterator[bytes]:
    """A blank import template: the header (and for JSON an empty example list)."""
    if format == "json":
        return iter([b"[]\n"])
    return stream_table(format, columns.template_columns(model), iter(()), model.record_type)


def export_filename(model: type[Record], format: str, stamp: datetime.date | None = None) -> str:
    stamp = stamp or timezone.localdate()
    return f"{model.record_type}-{stamp.isoformat()}.{format}"
