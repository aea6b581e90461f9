"""The flat column layout of each record type (docs/import.md) and the conversion both ways.

A record's content is the API's JSON shape (`projects.domain.content.content_of`: SPEC 4 names,
dates
as ISO strings, amounts as strings, linked records by identifier). A flat row (CSV, XLSX) spells
it out in cells:

* multilingual text: one column per language, `title.en`, `title.zh`, ...;
* lists: items separated by `;` (`countries` = `CN;KZ`);
* lists of objects: one item per line, its parts separated by `;`, as in the record form:
  `locations` = `Xi'an; 34.34; 108.94`, `documents` = `title; url; language; category`,
  `related_projects` = `identifier; kind`. The older way, items separated by `;` and parts by
  `|` (`Xi'an|34.34|108.94;Almaty|43.24|76.89`), is still read when a cell holds a `|`;
* zone policies: one column per policy, `policies.visa_facilitation`, ...;
* a zone's geometry: its GeoJSON as JSON text;
* a literal `;`, `|` or `\\` inside an item is written `\\;`, `\\|`, `\\\\`.

Reading a row also checks each cell's type (a date column holds a date, a number column a number,
a text column text): `RowErrors` names the column of every problem. The record rules themselves
(valid codes, dates in order, ...) are the services' and are not repeated here.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from projects.domain.content import FIELDS, SERVER_COLUMNS
from projects.models import Record
from projects.validation import ZONE_POLICY_KEYS
from registry.formula_escape import unescape_formula

# SPEC 4's languages, in this order; a file may add any other ISO 639-1 code (`title.fr`).
LANGUAGES = ("en", "zh", "ru", "kk", "uz", "ky", "tg", "tk")

# Written by the export from the server's data; read back by the import, which ignores them
# except `identifier` (the record to update) and `organization` (must be the importer's).
META_COLUMNS = ("identifier", *SERVER_COLUMNS)
# A new record's own part of its identifier, `{prefix}-{ref}`; empty: the server generates one.
REF_COLUMN = "ref"
# Further read-only keys of the API's JSON shape, accepted and ignored by a JSON import.
READ_ONLY_KEYS = frozenset(
    {
        *META_COLUMNS,
        "url",
        "freshness",
        "completeness",
        "missing_fields",
        "participants",
        "pending_revision",
    }
)

TEXT, DATE, DECIMAL, MULTILINGUAL, LIST, LOCATIONS, DOCUMENTS, RELATIONS, POLICIES, GEOMETRY = (
    "text",
    "date",
    "decimal",
    "multilingual",
    "list",
    "locations",
    "documents",
    "relations",
    "policies",
    "geometry",
)

# How each field of SPEC 4 is spelt in cells; the same name means the same kind in every type.
FIELD_KINDS = {
    "title": MULTILINGUAL,
    "summary": MULTILINGUAL,
    "description": MULTILINGUAL,
    "expected_outcomes": MULTILINGUAL,
    "name": MULTILINGUAL,
    "category": TEXT,
    "kind": TEXT,
    "lifecycle_status": TEXT,
    "website": TEXT,
    "budget_currency": TEXT,
    "provider": TEXT,
    "phone": TEXT,
    "email": TEXT,
    "hours": TEXT,
    "governing_body": TEXT,
    "planned_start": DATE,
    "actual_start": DATE,
    "planned_end": DATE,
    "actual_end": DATE,
    "established_on": DATE,
    "valid_from": DATE,
    "valid_until": DATE,
    "budget_amount": DECIMAL,
    "countries": LIST,
    "countries_covered": LIST,
    "tags": LIST,
    "border_crossings": LIST,
    "languages": LIST,
    "zones": LIST,
    "projects": LIST,
    "locations": LOCATIONS,
    "documents": DOCUMENTS,
    "related_projects": RELATIONS,
    "policies": POLICIES,
    "geometry": GEOMETRY,
}
# The parts of one item of a list of objects, in cell order.
ITEM_PARTS = {
    LOCATIONS: ("name", "lat", "lon"),
    DOCUMENTS: ("title", "url", "language", "category"),
    RELATIONS: ("identifier", "kind"),
}

_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RowErrors(Exception):
    """The cell problems of one row: [(column, message)]."""

    def __init__(self, errors: list[tuple[str, str]], content: dict | None = None):
        super().__init__("; ".join(f"{column}: {message}" for column, message in errors))
        self.errors = errors
        # The fields of the row that did read well: the import checks them too, so that every
        # error of the row is reported in one pass.
        self.content = content


# --- Layout ----------------------------------------------------------------------------------


def field_columns(model: type[Record], name: str, languages: Iterable[str] = LANGUAGES) -> list:
    kind = FIELD_KINDS[name]
    if kind == MULTILINGUAL:
        return [f"{name}.{code}" for code in languages]
    if kind == POLICIES:
        return [f"{name}.{key}" for key in ZONE_POLICY_KEYS]
    return [name]


def content_columns(model: type[Record], languages: Iterable[str] = LANGUAGES) -> list[str]:
    languages = tuple(languages)
    return [column for name in FIELDS[model] for column in field_columns(model, name, languages)]


def export_columns(model: type[Record], languages: Iterable[str] = LANGUAGES) -> list[str]:
    """The header of an export: who and what state, then the content."""
    return [*META_COLUMNS, *content_columns(model, languages)]


# The languages of the template's text columns: the site's three (the import reads any other).
TEMPLATE_LANGUAGES = ("en", "zh", "ru")


def template_columns(model: type[Record]) -> list[str]:
    """The header of a template: an optional ref, then the content in the site's languages."""
    return [REF_COLUMN, *content_columns(model, TEMPLATE_LANGUAGES)]


def all_languages(extra: Iterable[str]) -> tuple[str, ...]:
    """SPEC 4's languages, then any others in use, sorted (so that no text is left out)."""
    return (*LANGUAGES, *sorted(set(extra) - set(LANGUAGES)))


def field_of_column(model: type[Record], column: str) -> str | None:
    """The SPEC 4 field a column belongs to (`title.zh` -> `title`), or None if it is none."""
    name, _, suffix = column.partition(".")
    if name not in FIELDS[model]:
        return None
    kind = FIELD_KINDS[name]
    if kind == MULTILINGUAL:
        return name if _LANGUAGE_CODE.match(suffix) else None
    if kind == POLICIES:
        return name if suffix in ZONE_POLICY_KEYS else None
    return name if not suffix and "." not in column else None


def unknown_columns(model: type[Record], header: Iterable[str]) -> list[str]:
    known = {*META_COLUMNS, REF_COLUMN}
    return [c for c in header if c not in known and field_of_column(model, c) is None]


def columns_of_field(model: type[Record], name: str, header: Iterable[str]) -> str:
    """How an error on field `name` is reported: its column, or `title.*` for a group."""
    if FIELD_KINDS.get(name) in (MULTILINGUAL, POLICIES):
        return f"{name}.*"
    return name


# --- Items inside a cell ---------------------------------------------------------------------


def _escape_part(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace("|", "\\|")


def join_items(items: Iterable[Iterable[str]]) -> str:
    """[["Xi'an", "34.3", "108.9"], ...] -> `Xi'an|34.3|108.9;...`."""
    return ";".join("|".join(_escape_part(part) for part in item) for item in items)


def split_items(text: str, *, parts: bool = True) -> list[list[str]]:
    """The inverse of `join_items`: items split on `;`, parts on `|` (unless `parts` is False,
    for plain lists), `\\` escapes the next character. Empty items are dropped."""
    split_parts = parts
    items: list[list[str]] = []
    parts: list[str] = []
    current: list[str] = []
    characters = iter(text)
    for character in characters:
        if character == "\\":
            current.append(next(characters, "\\"))
        elif character == "|" and split_parts:
            parts.append("".join(current))
            current = []
        elif character == ";":
            parts.append("".join(current))
            items.append(parts)
            parts, current = [], []
        else:
            current.append(character)
    parts.append("".join(current))
    items.append(parts)
    return [item for item in items if item != [""]]


# --- Content -> cells (export) ---------------------------------------------------------------


def part_text(value) -> str:
    """An item part as text; numbers (lat, lon) as JSON writes them, so they read back equal."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)  # what json.dumps writes for a finite float
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    return str(value)


def _decimal_cell(value: str | None):
    """An amount as a number cell when a float holds it exactly, else as text (lossless)."""
    if value in (None, ""):
        return None
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == Decimal(value) else str(value)


def field_cells(name: str, value, languages: Iterable[str], *, typed: bool) -> list:
    """The cells of one field. `typed`: dates and amounts as Python values (XLSX), else text."""
    kind = FIELD_KINDS[name]
    if kind == MULTILINGUAL:
        value = value or {}
        return [value.get(code, "") for code in languages]
    if kind == POLICIES:
        value = value or {}
        return [value.get(key, "") for key in ZONE_POLICY_KEYS]
    if kind == DATE:
        if not value:
            return [None if typed else ""]
        return [datetime.date.fromisoformat(value) if typed else value]
    if kind == DECIMAL:
        if typed:
            return [_decimal_cell(value)]
        return ["" if value in (None, "") else str(value)]
    if kind == LIST:
        return [join_items([item] for item in (value or []))]
    if kind in ITEM_PARTS:
        parts = ITEM_PARTS[kind]
        return [join_items([part_text(item.get(part)) for part in parts] for item in value or [])]
    if kind == GEOMETRY:
        return ["" if value is None else json.dumps(value, ensure_ascii=False)]
    return ["" if value is None else value]


MOMENT_COLUMNS = frozenset({"created_at", "updated_at", "published_at", "confirmed_at"})


def _moment_value(text):
    """An export's ISO 8601 time (`...Z`) as an aware datetime; empty stays empty."""
    if not text:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def item_cells(
    model: type[Record], item: Mapping, languages: Iterable[str] = LANGUAGES, *, typed: bool
) -> list:
    """One exported record (the API's JSON shape) as the cells of `export_columns`."""
    languages = tuple(languages)
    cells = ["" if item.get(column) is None else item.get(column) for column in META_COLUMNS]
    if typed:  # the times as times (XLSX), not their ISO text
        cells = [
            _moment_value(cell) if column in MOMENT_COLUMNS else cell
            for column, cell in zip(META_COLUMNS, cells, strict=True)
        ]
    for name in FIELDS[model]:
        cells.extend(field_cells(name, item.get(name), languages, typed=typed))
    return cells


# --- Cells -> content (import) ---------------------------------------------------------------


def _text(column: str, value) -> str:
    """The text of a cell; a number, date or true/false where text belongs is refused."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_formula(value)
    message = gettext("the cell holds %(value)s; enter it as text.") % {"value": _describe(value)}
    raise RowErrors([(column, message)])


def _describe(value) -> str:
    if isinstance(value, bool):
        return gettext("true/false")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return gettext("a date or time (%(value)s)") % {"value": value}
    if isinstance(value, int | float | Decimal):
        return gettext("a number (%(value)s)") % {"value": value}
    return gettext("a %(kind)s") % {"kind": type(value).__name__}


def _date(column: str, value) -> str | None:
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0, 0):
            message = gettext("give a date without a time of day (got %(value)s).")
            raise RowErrors([(column, message % {"value": value})])
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = _text(column, value).strip()
    if not text:
        return None
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        message = gettext("give a date as YYYY-MM-DD, for example 2025-05-01 (got %(text)s).")
        raise RowErrors([(column, message % {"text": repr(text)})]) from None


def _decimal(column: str, value) -> str | None:
    if isinstance(value, bool):
        message = gettext("give a number, for example 1500000.00 (got %(text)s).")
        raise RowErrors([(column, message % {"text": gettext("true/false")})])
    if isinstance(value, int | float | Decimal):
        return str(Decimal(repr(value)) if isinstance(value, float) else value)
    text = _text(column, value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        message = gettext("give a number, for example 1500000.00 (got %(text)s).")
        raise RowErrors([(column, message % {"text": repr(text)})]) from None
    return text


def _json_number(column: str, part: str, text: str):
    try:
        number = json.loads(text)
    except ValueError:
        number = None
    if isinstance(number, bool) or not isinstance(number, int | float):
        message = gettext("%(part)s must be a number (got %(text)s).")
        raise RowErrors([(column, message % {"part": part, "text": repr(text)})])
    return number


def split_lines(text: str) -> list[list[str]]:
    """Items one per line, parts separated by `;` (the record form's way: `Xi'an; 34.34;
    108.94`), `\\` escaping the next character; parts are stripped, blank lines dropped."""
    items: list[list[str]] = []
    parts: list[str] = []
    current: list[str] = []
    characters = iter(text.replace("\r\n", "\n").replace("\r", "\n"))
    for character in characters:
        if character == "\\":
            current.append(next(characters, "\\"))
        elif character == ";":
            parts.append("".join(current).strip())
            current = []
        elif character == "\n":
            parts.append("".join(current).strip())
            items.append(parts)
            parts, current = [], []
        else:
            current.append(character)
    parts.append("".join(current).strip())
    items.append(parts)
    return [item for item in items if any(item)]


def _has_bar(text: str) -> bool:
    """Is the cell written the older way (`name|lat|lon;...`, documented before issue 18)?"""
    escaped = False
    for character in text:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "|":
            return True
    return False


def _objects(column: str, kind: str, text: str) -> list[dict]:
    parts = ITEM_PARTS[kind]
    objects = []
    old_way = _has_bar(text)
    items = split_items(text) if old_way else split_lines(text)
    for index, item in enumerate(items, start=1):
        if len(item) > len(parts):
            raise RowErrors(
                [
                    (
                        column,
                        gettext(
                            "item %(index)s has %(count)s parts; write one item per line, its "
                            "parts separated by ';': %(parts)s."
                        )
                        % {"index": index, "count": len(item), "parts": "; ".join(parts)},
                    )
                ]
            )
        values = dict(zip(parts, (part.strip() for part in item), strict=False))
        if kind == LOCATIONS:
            for part in ("lat", "lon"):
                text = values.get(part, "").strip()
                where = gettext("item %(index)s: %(part)s") % {"index": index, "part": part}
                values[part] = _json_number(column, where, text)
        if kind == DOCUMENTS:
            # Optional parts are left out rather than sent empty, as the API would receive them.
            values = {key: value for key, value in values.items() if value != ""} | {
                key: values.get(key, "") for key in ("title", "url")
            }
        objects.append(values)
    return objects


def field_value(model: type[Record], name: str, cells: Mapping[str, object]):
    """The content value of field `name` from its cells ({column: cell}); RowErrors if bad."""
    kind = FIELD_KINDS[name]
    if kind in (MULTILINGUAL, POLICIES):
        collected = {}
        problems = []
        for column, value in cells.items():
            try:
                text = _text(column, value)
            except RowErrors as error:
                problems += error.errors
                continue
            if text:
                collected[column.partition(".")[2]] = text
        if problems:
            raise RowErrors(problems)
        return collected
    ((column, value),) = cells.items()
    if kind == DATE:
        return _date(column, value)
    if kind == DECIMAL:
        return _decimal(column, value)
    text = _text(column, value)
    if kind == TEXT:
        return text
    if kind == LIST:
        return [item.strip() for (item,) in split_items(text, parts=False) if item.strip()]
    if kind in ITEM_PARTS:
        return _objects(column, kind, text)
    if kind == GEOMETRY:
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            message = gettext("give the geometry as GeoJSON text (%(problem)s at %(position)s).")
            raise RowErrors(
                [(column, message % {"problem": error.msg, "position": error.pos})]
            ) from None
    raise AssertionError(kind)


def row_content(model: type[Record], row: Mapping[str, object]) -> dict:
    """The content named by a flat row ({column: cell}). Fields without a column are left out,
    so that an import changes only what its file has columns for."""
    grouped: dict[str, dict[str, object]] = {}
    for column, value in row.items():
        name = field_of_column(model, column)
        if name is not None:
            grouped.setdefault(name, {})[column] = value
    content, problems = {}, []
    for name in FIELDS[model]:
        if name not in grouped:
            continue
        try:
            content[name] = field_value(model, name, grouped[name])
        except RowErrors as error:
            problems += error.errors
    if problems:
        raise RowErrors(problems, content)
    return content
