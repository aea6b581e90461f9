"""Streaming writers: each turns an iterator of rows (or items, or features) into an iterator of
bytes, a chunk every few hundred rows, so that nothing but the current chunk is held in memory.

Every CSV and XLSX text cell passes `registry.cells.escape_formula` (the XLSX writer in
`projects.io.xlsx` applies it itself).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from registry.cells import escape_formula

from .xlsx import stream_xlsx

ROWS_PER_CHUNK = 200

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
    "iati.xml": "application/xml",
}


def csv_text(value) -> str:
    """A cell of a CSV file: empty for None, dates in ISO form, text formula-escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return escape_formula(str(value))


# The first characters a value that `escape_formula` changes can start with (quotes, triggers).
_FORMULA_START = frozenset("'=+-@\t\r")


def text_cells(cells: list) -> list:
    """Cells that are already text (or None, written empty) as `csv_text` writes them: only a
    value that may start a formula passes `escape_formula`, the others are left as they are."""
    return [escape_formula(cell) if cell and cell[0] in _FORMULA_START else cell for cell in cells]


def stream_csv_chunks(header: list[str], chunks: Iterable[list[list]]) -> Iterator[bytes]:
    """CSV from chunks of rows whose cells are final text (`text_cells`): one `writerows` and
    one piece of bytes per chunk, through one reused buffer. The same bytes as `stream_csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(title) for title in header])
    for chunk in chunks:
        writer.writerows(chunk)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def stream_csv(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(title) for title in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_text(value) for value in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def stream_json(items: Iterable[dict]) -> Iterator[bytes]:
    """A JSON array, one record per line: the shape the JSON import reads back."""
    parts = ["["]
    separator = "\n"
    for count, item in enumerate(items, start=1):
        parts.append(separator + json.dumps(item, ensure_ascii=False))
        separator = ",\n"
        if count % ROWS_PER_CHUNK == 0:
            yield "".join(parts).encode()
            parts = []
    parts.append("\n]\n")
    yield "".join(parts).encode()


def stream_geojson(features: Iterable[dict]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946), feature by feature."""
    parts = ['{"type": "FeatureCollection", "features": [']
    separator = "\n"
    for count, feature in enumerate(features, start=1):
        parts.append(separator + json.dumps(feature, ensure_ascii=False))
        separator = ",\n"
        if count % ROWS_PER_CHUNK == 0:
            yield "".join(parts).encode()
            parts = []
    parts.append("\n]}\n")
    yield "".join(parts).encode()


def stream_table(format: str, header: list[str], rows: Iterable[list], sheet_name: str):
    """CSV or XLSX rows as bytes."""
    if format == "csv":
        return stream_csv(header, rows)
    if format == "xlsx":
        return stream_xlsx(header, rows, sheet_name=sheet_name, rows_per_chunk=ROWS_PER_CHUNK)
    raise ValueError(format)
