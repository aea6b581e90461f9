"""Streaming writers: each turns an iterator of rows (or items, or features) into an iterator of
bytes, a chunk every few hundred rows, so that nothing but the current chunk is held in memory.

Every CSV and XLSX text cell passes `registry.formula_escape.escape_formula` (the XLSX writer in
`projects.io.xlsx` applies it itself).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.cache import patch_cache_control

from projects.io.xlsx import stream_xlsx
from registry.formula_escape import escape_formula

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


# The first characters of a value that `escape_formula` may change (quotes, then a trigger).
_FORMULA_START = frozenset("'=+-@\t\r")
# A comma followed by one of them: in a row's joined cells, a cell that may start a formula
# (one regular expression scans the line faster than a search for each pair).
_FORMULA_AFTER_COMMA = re.compile("," + "[" + re.escape("".join(sorted(_FORMULA_START))) + "]")


def text_cells(cells: list) -> list:
    """Cells that are already text as `csv_text` writes them: only a value that may start a
    formula passes `escape_formula`, the others are left as they are."""
    return [escape_formula(cell) if cell and cell[0] in _FORMULA_START else cell for cell in cells]


def _quoted(cell: str) -> str:
    """A cell as csv.writer writes it (QUOTE_MINIMAL, lines ending CR LF): quoted when it holds
    a comma, a quote, CR or LF, its quotes doubled."""
    if "," in cell or '"' in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_line(cells: list[str]) -> str:
    """One row of text cells (never None; more than one) as csv.writer writes `csv_text` of
    each: formulas escaped (`text_cells`), cells quoted where needed, CR LF at the end.

    Found in a few scans of the cells joined by commas: a cell that may start a formula follows
    a `,` (or starts the line); when the line holds one comma per separator and no quote, CR or
    LF, it is the row as csv.writer writes it; else only the cells with a comma (or, rarely, a
    quote, CR or LF) are quoted.
    """
    line = ",".join(cells)
    if line[:1] in _FORMULA_START or _FORMULA_AFTER_COMMA.search(line):
        cells = text_cells(cells)
        line = ",".join(cells)
    if '"' in line or "\n" in line or "\r" in line:
        return ",".join([_quoted(cell) for cell in cells]) + "\r\n"
    if line.count(",") == len(cells) - 1:
        return line + "\r\n"
    return ",".join(['"' + cell + '"' if "," in cell else cell for cell in cells]) + "\r\n"


def stream_csv_chunks(header: list[str], chunks: Iterable[list[list[str]]]) -> Iterator[bytes]:
    """CSV from chunks of rows of text cells (`csv_line`), one piece of bytes per chunk: the
    same bytes as `stream_csv` (csv.writer over `csv_text` of each cell)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_text(title) for title in header])
    yield buffer.getvalue().encode()
    for chunk in chunks:
        yield "".join([csv_line(cells) for cells in chunk]).encode()


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
    return _json_array("[", items, "\n]\n")


def stream_geojson(features: Iterable[dict]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946), feature by feature."""
    return _json_array('{"type": "FeatureCollection", "features": [', features, "\n]}\n")


# A decimal amount travels to the JSON text between two NULs (`json_number`) and leaves as a
# JSON number, digits unchanged (json.dumps writes no Decimal). No stored text holds a NUL:
# PostgreSQL refuses it, and the API refuses it on the way in.
_NUMBER_OPEN, _NUMBER_CLOSE = '"\\u0000', '\\u0000"'


def json_number(value):
    """A decimal amount (its text) to be written as a JSON number; None stays null."""
    return None if value in (None, "") else f"\x00{value}\x00"


def _json_text(item: dict) -> str:
    text = json.dumps(item, ensure_ascii=False)
    if _NUMBER_OPEN in text:
        text = text.replace(_NUMBER_OPEN, "").replace(_NUMBER_CLOSE, "")
    return text


def _json_array(opening: str, items: Iterable[dict], closing: str) -> Iterator[bytes]:
    """`opening`, the items one per line, `closing`: in chunks of ROWS_PER_CHUNK items."""
    parts = [opening]
    separator = "\n"
    for count, item in enumerate(items, start=1):
        parts.append(separator + _json_text(item))
        separator = ",\n"
        if count % ROWS_PER_CHUNK == 0:
            yield "".join(parts).encode()
            parts = []
    parts.append(closing)
    yield "".join(parts).encode()


def stream_table(format: str, header: list[str], rows: Iterable[list], sheet_name: str):
    """CSV or XLSX rows as bytes."""
    if format == "csv":
        return stream_csv(header, rows)
    if format == "xlsx":
        return stream_xlsx(header, rows, sheet_name=sheet_name, rows_per_chunk=ROWS_PER_CHUNK)
    raise ValueError(format)


def download_response(chunks, format: str, filename: str) -> StreamingHttpResponse:
    """The file as an attachment, streamed. What a caller may see depends on who asks, so the
    answer never comes from a shared cache."""
    response = StreamingHttpResponse(chunks, content_type=MEDIA_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_cache=True)
    return response
