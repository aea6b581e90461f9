"""The content of a record as data: which fields each type has, how they read and write as JSON.

A published record's pending revision keeps its proposed content in `Revision.content`, in the
same shape as the API's (SPEC 4 names; dates as ISO strings, amounts as strings, linked records
by identifier). `content_of` reads a record into that shape, `apply_content` writes it back.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from .models import (
    Contact,
    ContactProject,
    ContactZone,
    Project,
    ProjectRelation,
    ProjectZone,
    Record,
    Zone,
)

# Every field a caller may write, per record type (SPEC 4), in display order.
FIELDS: dict[type[Record], tuple[str, ...]] = {
    Project: (
        "title",
        "summary",
        "description",
        "category",
        "lifecycle_status",
        "countries",
        "tags",
        "planned_start",
        "actual_start",
        "planned_end",
        "actual_end",
        "locations",
        "zones",
        "related_projects",
        "budget_amount",
        "budget_currency",
        "website",
        "documents",
        "expected_outcomes",
    ),
    Zone: (
        "name",
        "description",
        "kind",
        "countries",
        "tags",
        "geometry",
        "border_crossings",
        "established_on",
        "governing_body",
        "policies",
        "lifecycle_status",
    ),
    Contact: (
        "kind",
        "name",
        "provider",
        "phone",
        "email",
        "website",
        "languages",
        "hours",
        "countries",
        "countries_covered",
        "tags",
        "zones",
        "projects",
        "valid_from",
        "valid_until",
    ),
}

# Links to other records, written by identifier and kept in link tables.
LINK_FIELDS = frozenset({"zones", "projects", "related_projects"})

# Set by the server; a body may carry them (a GET sent back as a PUT) and they are ignored.
SERVER_FIELDS = frozenset(
    {
        "organization",
        "workflow_state",
        "version",
        "created_at",
        "updated_at",
        "published_at",
        "confirmed_at",
        "participants",
        "pending_revision",
    }
)

# What must be filled before a record may be submitted for publication (SPEC 5 "complete").
REQUIRED_TO_PUBLISH: dict[type[Record], tuple[str, ...]] = {
    Project: ("title", "summary", "category", "countries", "lifecycle_status"),
    Zone: ("name", "kind", "countries", "geometry"),
    Contact: ("name", "kind", "countries_covered"),
}

_LINK_TABLES = {
    (Project, "zones"): (ProjectZone, "project", "zone", Zone),
    (Contact, "zones"): (ContactZone, "contact", "zone", Zone),
    (Contact, "projects"): (ContactProject, "contact", "project", Project),
}


def model_fields(model: type[Record]) -> tuple[str, ...]:
    return FIELDS[model]


def _to_json(field, value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # As the database returns it, so that unsaved and saved content compare equal.
        return format(value.quantize(Decimal(1).scaleb(-field.decimal_places)), "f")
    return value


def link_targets(model: type[Record], name: str):
    """(link table, source column, target column, target model) for a link field."""
    return _LINK_TABLES[(model, name)]


def read_links(record: Record, name: str) -> list:
    """The identifiers (or relation dicts) a saved record links to, in a stable order."""
    model = type(record)
    if record.pk is None:
        return []
    if name == "related_projects":
        relations = ProjectRelation.objects.unscoped("links of a record already accessed").filter(
            project=record
        )
        return sorted(
            ({"identifier": rel.related.identifier, "kind": rel.kind} for rel in relations),
            key=lambda item: item["identifier"],
        )
    table, source, target, _ = link_targets(model, name)
    rows = table.objects.unscoped("links of a record already accessed").filter(**{source: record})
    return sorted(getattr(row, target).identifier for row in rows.select_related(target))


def content_of(record: Record) -> dict:
    """The record's live content as JSON-ready data, SPEC 4 names."""
    content = {}
    for name in FIELDS[type(record)]:
        if name in LINK_FIELDS:
            content[name] = read_links(record, name)
        else:
            content[name] = _to_json(type(record)._meta.get_field(name), getattr(record, name))
    return content


def assign_fields(record: Record, content: dict) -> None:
    """Set the record's columns (not its links) from content; conversion happens in full_clean."""
    for name, value in content.items():
        if name not in LINK_FIELDS:
            setattr(record, name, value)


def write_links(record: Record, content: dict) -> None:
    """Replace the record's links with those named in content (identifiers already checked)."""
    model = type(record)
    for name in FIELDS[model]:
        if name not in LINK_FIELDS or name not in content:
            continue
        if name == "related_projects":
            _write_relations(record, content[name])
            continue
        table, source, target, target_model = link_targets(model, name)
        table.all_rows_for_internal_use.filter(**{source: record}).delete()
        targets = _by_identifier(target_model, content[name])
        table.all_rows_for_internal_use.bulk_create(
            table(organization_id=record.organization_id, **{source: record, target: item})
            for item in targets
        )


def _write_relations(project: Project, relations: list[dict]) -> None:
    ProjectRelation.all_rows_for_internal_use.filter(project=project).delete()
    related = {
        p.identifier: p for p in _by_identifier(Project, [r["identifier"] for r in relations])
    }
    ProjectRelation.all_rows_for_internal_use.bulk_create(
        ProjectRelation(
            organization_id=project.organization_id,
            project=project,
            related=related[item["identifier"]],
            kind=item["kind"],
        )
        for item in relations
        if item["identifier"] in related
    )


def _by_identifier(model: type[Record], identifiers: list[str]) -> list[Record]:
    """Linked records by identifier; identifiers are globally unique (organization prefixes)."""
    if not identifiers:
        return []
    return list(
        model.objects.unscoped("link targets checked when the content was validated").filter(
            identifier__in=identifiers
        )
    )


# --- Freshness and completeness (SPEC 5 "Freshness and completeness") -----------------------

# The optional fields whose filling makes up the completeness score.
OPTIONAL_FIELDS: dict[type[Record], tuple[str, ...]] = {
    model: tuple(
        name
        for name in fields
        if name not in REQUIRED_TO_PUBLISH[model] and name not in ("tags", "related_projects")
    )
    for model, fields in FIELDS.items()
}
STALE_AFTER_DAYS = 365
INACTIVE_AFTER_DAYS = 730


def completeness(record: Record, content: dict | None = None) -> tuple[int, list[str]]:
    """(score 0-100, the optional fields still empty) of the record's content."""
    content = content if content is not None else content_of(record)
    optional = OPTIONAL_FIELDS[type(record)]
    missing = [name for name in optional if content.get(name) in (None, "", [], {})]
    score = round(100 * (len(optional) - len(missing)) / len(optional)) if optional else 100
    return score, missing


def freshness(record: Record, now: datetime.datetime | None = None) -> str | None:
    """'current', 'stale' (12 months unconfirmed) or 'inactive' (24 months); None if unpublished."""
    if record.confirmed_at is None:
        return None
    from django.utils import timezone

    age = ((now or timezone.now()) - record.confirmed_at).days
    if age >= INACTIVE_AFTER_DAYS:
        return "inactive"
    if age >= STALE_AFTER_DAYS:
        return "stale"
    return "current"
