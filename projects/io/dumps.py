"""Published dumps (issue 20): the whole public set as files, for portals and bulk readers.

`build_dumps()` writes, under settings.OPEN_DATA_DUMPS_DIR, what anybody may see (the
anonymous actor's view: published and archived records):

* `projects.csv|json|geojson`, `projects.iati.xml`, `zones.csv|json|geojson`,
  `contacts.csv|json`: the exports' own formats (docs/import.md), so a dump reads as an export;
* `manifest.json`: when it was built, and per file its record count, size and SHA-256;
* `datapackage.json`: a Frictionless Data Package with a Table Schema per CSV.

Each file is written beside its final name and renamed into place, so a reader never sees a
half-written file. One function, so that `manage.py build_dumps` and a scheduled task call
the same thing. The files are served under /data/ (projects.pages.open_data).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from projects.io import exporting, iati
from projects.io.writers import MEDIA_TYPES
from projects.models import Contact, Project, Record, Zone
from registry.tenancy import Actor

MANIFEST, DATAPACKAGE = "manifest.json", "datapackage.json"
DUMP_FORMATS = {
    Project: ("csv", "json", "geojson", "iati.xml"),
    Zone: ("csv", "json", "geojson"),
    Contact: ("csv", "json"),
}
# Table Schema types of the CSV columns (everything else is text as the CSV writes it).
DATE_FIELDS = {
    "planned_start",
    "actual_start",
    "planned_end",
    "actual_end",
    "established_on",
    "valid_from",
    "valid_until",
}
INTEGER_COLUMNS = {"version", "completeness"}


def file_names() -> list[str]:
    return [
        f"{model.record_type}.{name}" for model, names in DUMP_FORMATS.items() for name in names
    ]


def media_type(name: str) -> str:
    if name in (MANIFEST, DATAPACKAGE):
        return "application/json"
    suffix = "iati.xml" if name.endswith(".iati.xml") else name.rsplit(".", 1)[-1]
    return MEDIA_TYPES.get(suffix, "application/octet-stream")


def published_file(directory: Path, name: str) -> Path | None:
    """The dump file called `name`, if it is one of the dumps' names and exists."""
    if name not in (*file_names(), MANIFEST, DATAPACKAGE):
        return None
    path = Path(directory) / name
    return path if path.is_file() else None


def _write(directory: Path, name: str, chunks) -> dict:
    """Write the chunks to `name` (via a temporary name); its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    temporary = directory / f".{name}.part"
    with temporary.open("wb") as file:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            file.write(chunk)
    os.replace(temporary, directory / name)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _field_type(column: str) -> dict:
    if column in INTEGER_COLUMNS:
        return {"type": "integer"}
    if column == "budget_amount":
        return {"type": "number"}
    if column in DATE_FIELDS:
        return {"type": "date"}
    if column in ("created_at", "updated_at", "published_at", "confirmed_at"):
        return {"type": "datetime"}
    return {"type": "string"}


def _table_schema(header: list[str]) -> dict:
    fields = [{"name": column, **_field_type(column)} for column in header]
    return {"fields": fields, "primaryKey": ["identifier"]}


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as file:
        return next(csv.reader(file))


def build_dumps(directory: Path | str | None = None) -> dict:
    """Write every dump, the manifest and the data package; answer the manifest."""
    directory = Path(directory or settings.OPEN_DATA_DUMPS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    actor = Actor.anonymous()
    built = timezone.now()
    files, resources = {}, []
    for model, names in DUMP_FORMATS.items():
        queryset = exporting.filtered(actor, model, QueryDict(), None).order_by("identifier")
        count = queryset.count()
        for name in names:
            file_name = f"{model.record_type}.{name}"
            if name == "iati.xml":
                chunks = iati.stream_activities(actor, queryset)
            else:
                chunks = exporting.export_stream(actor, queryset, name)
            files[file_name] = {
                "records": count,
                "media_type": media_type(file_name),
                **_write(directory, file_name, chunks),
            }
            if name == "csv":
                resources.append(_resource(directory, model, file_name, files[file_name]))
    manifest = {
        "built_at": built.isoformat(timespec="seconds"),
        "license": settings.OPEN_DATA_LICENSE,
        "files": files,
    }
    _write(directory, MANIFEST, [json.dumps(manifest, indent=2).encode()])
    package = {
        "name": "silk-road-cooperation-registry",
        "title": "Silk Road Cooperation Registry: published records",
        "created": manifest["built_at"],
        "licenses": [{"path": settings.OPEN_DATA_LICENSE, "title": "Licence of the data"}],
        "resources": resources,
    }
    _write(directory, DATAPACKAGE, [json.dumps(package, indent=2, ensure_ascii=False).encode()])
    return manifest


def _resource(directory: Path, model: type[Record], file_name: str, facts: dict) -> dict:
    header = _csv_header(directory / file_name)
    return {
        "name": model.record_type,
        "path": file_name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": facts["bytes"],
        "hash": f"sha256:{facts['sha256']}",
        "schema": _table_schema(header),
    }
