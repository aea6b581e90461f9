"""Helpers for the import and export tests: files in each format, imports through the service,
the API, the command and the page."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.core.cache import cache

from projects.io.importing import import_file
from projects.models import Contact, Project, Zone
from registry.tenancy import Actor

FORMATS = ("csv", "xlsx", "json")
MODELS = {"projects": Project, "zones": Zone, "contacts": Contact}


@pytest.fixture(autouse=True)
def _quiet_throttle(settings):
    settings.API_THROTTLE_RATES = {
        "key": "100000/minute",
        "user": "100000/minute",
        "anon": "100000/minute",
    }
    cache.clear()


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(header: list[str], rows: list[list]) -> bytes:
    """A workbook as a spreadsheet program saves it (openpyxl, shared strings)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def flat_file(format: str, rows: list[dict]) -> bytes:
    """Rows given as {column: value} (CSV and XLSX) or as records (JSON) in one format."""
    if format == "json":
        return json.dumps(rows, ensure_ascii=False).encode()
    header = list(dict.fromkeys(column for row in rows for column in row))
    cells = [[row.get(column) for column in header] for row in rows]
    if format == "csv":
        cells = [["" if value is None else value for value in row] for row in cells]
        return csv_bytes(header, cells)
    return xlsx_bytes(header, cells)


def run_import(user, organization, model, data: bytes, filename: str, *, dry_run=False, bulk=True):
    """An import through the service, as `user`; returns the report (`bulk=False`: every new
    row through create_record, the per-row path)."""
    return import_file(
        Actor.for_user(user),
        organization,
        model,
        io.BytesIO(data),
        filename,
        len(data),
        dry_run=dry_run,
        bulk=bulk,
    )


def read_xlsx(data: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    return rows


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# One valid row per type, as a person would type it in a spreadsheet (CSV/XLSX columns) ...
FLAT_ROWS = {
    "projects": lambda n: {
        "ref": f"TRAIN-{n}",
        "title.en": f"Xi'an-Almaty tourism train {n}",
        "title.zh": f"西安—阿拉木图旅游专列 {n}",
        "summary.en": "A cultural tourism train.",
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": "CN;KZ",
        "tags": "rail;summit",
        "planned_start": "2025-05-01",
        "planned_end": "2026-05-01",
        "locations": "Xi'an|34.34|108.94;Almaty|43.24|76.89",
        "budget_amount": "1500000.50",
        "budget_currency": "CNY",
        "documents": "Agreement|https://example.org/a.pdf|en|agreement",
    },
    "zones": lambda n: {
        "ref": f"ZONE-{n}",
        "name.en": f"Khorgos cooperation zone {n}",
        "name.ru": f"Зона Хоргос {n}",
        "kind": "cross_border_tourism_zone",
        "countries": "CN;KZ",
        "geometry": '{"type": "Polygon", "coordinates": [[[80.3, 44.1], [80.5, 44.1], '
        "[80.5, 44.3], [80.3, 44.1]]]}",
        "border_crossings": "Khorgos",
        "established_on": "2012-04-18",
        "policies.visa_facilitation": "Visa-free stay inside the zone.",
        "lifecycle_status": "operational",
    },
    "contacts": lambda n: {
        "ref": f"HOTLINE-{n}",
        "kind": "tourist_hotline",
        "name.en": f"Tourist hotline {n}",
        "provider": "Almaty tourism office",
        "phone": "+77272000000",
        "email": "hotline@example.org",
        "languages": "en;ru;zh",
        "hours": "24/7",
        "countries_covered": "KZ;CN",
    },
}

# ... and the same content as the JSON import reads it (the API's shape).
JSON_ROWS = {
    "projects": lambda n: {
        "ref": f"TRAIN-{n}",
        "title": {"en": f"Xi'an-Almaty tourism train {n}", "zh": f"西安—阿拉木图旅游专列 {n}"},
        "summary": {"en": "A cultural tourism train."},
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": ["CN", "KZ"],
        "tags": ["rail", "summit"],
        "planned_start": "2025-05-01",
        "planned_end": "2026-05-01",
        "locations": [
            {"name": "Xi'an", "lat": 34.34, "lon": 108.94},
            {"name": "Almaty", "lat": 43.24, "lon": 76.89},
        ],
        "budget_amount": "1500000.50",
        "budget_currency": "CNY",
        "documents": [
            {
                "title": "Agreement",
                "url": "https://example.org/a.pdf",
                "language": "en",
                "category": "agreement",
            }
        ],
    },
    "zones": lambda n: {
        "ref": f"ZONE-{n}",
        "name": {"en": f"Khorgos cooperation zone {n}", "ru": f"Зона Хоргос {n}"},
        "kind": "cross_border_tourism_zone",
        "countries": ["CN", "KZ"],
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[80.3, 44.1], [80.5, 44.1], [80.5, 44.3], [80.3, 44.1]]],
        },
        "border_crossings": ["Khorgos"],
        "established_on": "2012-04-18",
        "policies": {"visa_facilitation": "Visa-free stay inside the zone."},
        "lifecycle_status": "operational",
    },
    "contacts": lambda n: {
        "ref": f"HOTLINE-{n}",
        "kind": "tourist_hotline",
        "name": {"en": f"Tourist hotline {n}"},
        "provider": "Almaty tourism office",
        "phone": "+77272000000",
        "email": "hotline@example.org",
        "languages": ["en", "ru", "zh"],
        "hours": "24/7",
        "countries_covered": ["KZ", "CN"],
    },
}


def rows_of(format: str, record_type: str, count: int, start: int = 1) -> list[dict]:
    source = JSON_ROWS if format == "json" else FLAT_ROWS
    return [source[record_type](n) for n in range(start, start + count)]


def file_of(format: str, record_type: str, count: int, start: int = 1) -> bytes:
    return flat_file(format, rows_of(format, record_type, count, start))
