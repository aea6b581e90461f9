"""Formats besides JSON (SPEC 6): CSV for every record list, GeoJSON for zones and projects.

Chosen by `?format=csv|geojson|json` or by the Accept header. Errors stay JSON whatever was asked
(registry.api.errors).
"""

from __future__ import annotations

import csv
import io
import json

import orjson
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

from registry.formula_escape import escape_formula

# What orjson hands to `default`: datetimes, so that they come out as DRF's encoder writes
# them (milliseconds, "Z"), and dataclasses.
ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class RegistryJSONRenderer(JSONRenderer):
    """JSON in UTF-8 as it is (Chinese and Cyrillic text are not escaped).

    Rendered by orjson, with DRF's encoder for what orjson leaves to it (datetimes, Decimal,
    lazy text), so the bytes are those DRF's own renderer writes, only sooner; anything orjson
    refuses (keys that are not strings, integers over 64 bits) goes to DRF's renderer.
    """

    ensure_ascii = False

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                body = orjson.dumps(
                    data, default=self.encoder_class().default, option=ORJSON_OPTIONS
                )
            except TypeError:
                pass
            else:
                # As DRF does: these two line separators are valid JSON but not valid JavaScript.
                if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
                    body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                        b"\xe2\x80\xa9", b"\\u2029"
                    )
                return body
        return super().render(data, accepted_media_type, renderer_context)


def _rows(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    if isinstance(data, list):
        return data
    return [data] if isinstance(data, dict) else []


def _cell(value) -> str:
    """A cell's text; one that a spreadsheet would run as a formula is escaped
    (registry.formula_escape)."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return escape_formula(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_formula(str(value))


class CSVRenderer(BaseRenderer):
    """One row per record; nested values (multilingual text, lists) as JSON in their cell.

    Cells that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR first) get a
    leading `'` (registry.formula_escape.escape_formula), as in every CSV and XLSX the registry
    writes.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = _rows(data)
        view = (renderer_context or {}).get("view")
        header = list(rows[0]) if rows else list(getattr(view, "csv_fields", ()))
        for row in rows[1:]:
            header.extend(key for key in row if key not in header)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if header:
            writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in header])
        return buffer.getvalue().encode(self.charset)


def zone_features(item: dict):
    properties = {key: value for key, value in item.items() if key != "geometry"}
    yield {
        "type": "Feature",
        "id": item.get("identifier"),
        "geometry": item.get("geometry"),
        "properties": properties,
    }


def points_geometry(locations) -> dict | None:
    """Places as one geometry (RFC 7946, longitude first): a Point for one, a MultiPoint for
    several, None (`"geometry": null`) for none."""
    points = [[place["lon"], place["lat"]] for place in locations or []]
    if not points:
        return None
    if len(points) == 1:
        return {"type": "Point", "coordinates": points[0]}
    return {"type": "MultiPoint", "coordinates": points}


def location_features(item: dict):
    """A project as one feature (issue 20), whatever its number of places, so that summing a
    column counts each project once; its places, with their names, stay in `locations`."""
    yield {
        "type": "Feature",
        "id": item.get("identifier"),
        "geometry": points_geometry(item.get("locations")),
        "properties": item,
    }


class GeoJSONRenderer(BaseRenderer):
    """A FeatureCollection; the view's `geojson_features(item)` turns a record into features."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {}).get("view")
        to_features = getattr(view, "geojson_features", zone_features)
        features = [feature for item in _rows(data) for feature in to_features(item)]
        collection = {"type": "FeatureCollection", "features": features}
        if isinstance(data, dict) and "results" in data:
            collection["next"] = data.get("next")
            collection["previous"] = data.get("previous")
        return json.dumps(collection, ensure_ascii=False).encode(self.charset)


class RegistryContentNegotiation(DefaultContentNegotiation):
    """An unknown or unsupported `?format=` is a 406 naming the formats, not a bare 404."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(renderer.format for renderer in renderers)
            raise exceptions.NotAcceptable(
                f"Format {format!r} is not offered here; use one of: {offered}."
            )
        return matching
