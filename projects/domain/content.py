"""The content of a record as data: which fields each type has, how they read and write as JSON.

`FIELDS` is the one list of the fields a caller may write, per record type: the API's serializers,
the admin, the importer and the checks derive theirs from it. A published record's pending
revision keeps its proposed content in `Revision.content`, in the same shape as the API's (SPEC 4
names; dates as ISO strings, amounts as strings, linked records by identifier). `content_of` reads
a record into that shape; `assign_fields` and `write_links` write it back.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from projects.domain import rls_copies as visibility_copies
from projects.models import (
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

# Each field's name as people read it, for every page, form, diff and list of missing fields.
# Beside FIELDS, so that a field added there finds its label here (tests check every one has).
FIELD_LABELS = {
    "title": _("Title"),
    "summary": _("Summary"),
    "description": _("Description"),
    "category": _("Category"),
    "lifecycle_status": _("Status"),
    "countries": _("Countries"),
    "tags": _("Tags"),
    "planned_start": _("Planned start"),
    "actual_start": _("Actual start"),
    "planned_end": _("Planned end"),
    "actual_end": _("Actual end"),
    "locations": _("Locations"),
    "zones": _("Cooperation zones"),
    "related_projects": _("Related projects"),
    "budget_amount": _("Budget"),
    "budget_currency": _("Budget currency"),
    "website": _("Website"),
    "documents": _("Documents"),
    "expected_outcomes": _("Expected outcomes"),
    "name": _("Name"),
    "kind": _("Kind"),
    "geometry": _("Area (GeoJSON)"),
    "border_crossings": _("Border crossings"),
    "established_on": _("Established on"),
    "governing_body": _("Governing body"),
    "policies": _("Policies"),
    "provider": _("Provider"),
    "phone": _("Phone"),
    "email": _("Email"),
    "languages": _("Languages"),
    "hours": _("Hours"),
    "countries_covered": _("Countries covered"),
    "projects": _("Projects"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
}


def field_label(name: str) -> str:
    """A field's name as people read it, in their language (the name itself when unknown)."""
    return str(FIELD_LABELS.get(name, name))


def model_columns(model: type[Record]) -> tuple[str, ...]:
    """The writable fields that are columns of the record's table, in FIELDS order (links to
    other records live in link tables)."""
    columns = {field.name for field in model._meta.concrete_fields}
    return tuple(name for name in FIELDS[model] if name in columns)


# Links to other records, written by identifier and kept in link tables.
LINK_FIELDS = frozenset({"zones", "projects", "related_projects"})

# The columns the server keeps for every record (owner, workflow, times), in the order the API,
# the exports and the admin show them after `identifier`. Nobody writes them through content.
SERVER_COLUMNS = (
    "organization",
    "workflow_state",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "confirmed_at",
)

# Set by the server; a body may carry them (a GET sent back as a PUT) and they are ignored.
SERVER_FIELDS = frozenset({*SERVER_COLUMNS, "participants", "pending_revision"})

# What must be filled before a record may be submitted for publication (SPEC 5 "complete").
REQUIRED_TO_PUBLISH: dict[type[Record], tuple[str, ...]] = {
    Project: ("title", "summary", "category", "countries", "lifecycle_status", "planned_start"),
    Zone: ("name", "kind", "countries", "geometry"),
    Contact: ("name", "kind", "countries_covered"),
}

_LINK_TABLES = {
    (Project, "zones"): (ProjectZone, "project", "zone", Zone),
    (Contact, "zones"): (ContactZone, "contact", "zone", Zone),
    (Contact, "projects"): (ContactProject, "contact", "project", Project),
}


def _to_json(field, value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # As the database returns it, so that unsaved and saved content compare equal.
        return format(value.quantize(Decimal(1).scaleb(-field.decimal_places)), "f")
    return value


def column_json(field, value):
    """A column's value read without its record (an export's plain tuples), as `field_json`
    gives it for a record."""
    return _to_json(field, value)


def field_json(record: Record, name: str):
    """One column field of the record as JSON-ready data, as `content_of` gives it."""
    return _to_json(type(record)._meta.get_field(name), getattr(record, name))


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


def changed_fields(before: dict, after: dict) -> list[str]:
    """The names whose value in `after` differs from `before`."""
    return [name for name in after if before.get(name) != after[name]]


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
            visibility_copies.new_link(table, record, item) for item in targets
        )


def _write_relations(project: Project, relations: list[dict]) -> None:
    ProjectRelation.all_rows_for_internal_use.filter(project=project).delete()
    related = {
        p.identifier: p for p in _by_identifier(Project, [r["identifier"] for r in relations])
    }
    ProjectRelation.all_rows_for_internal_use.bulk_create(
        visibility_copies.new_link(
            ProjectRelation, project, related[item["identifier"]], kind=item["kind"]
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

# The optional fields whose filling makes up the completeness score. Tags and related projects
# are labels and links an owner adds when they apply, not gaps, so they do not count.
OPTIONAL_FIELDS: dict[type[Record], tuple[str, ...]] = {
    model: tuple(
        name
        for name in fields
        if name not in REQUIRED_TO_PUBLISH[model] and name not in ("tags", "related_projects")
    )
    for model, fields in FIELDS.items()
}
EMPTY_VALUES = (None, "", [], {})


def missing_fields(model: type[Record], content: dict) -> list[str]:
    """The optional fields that `content` (SPEC 4 names, as JSON) leaves empty, in field order."""
    return [name for name in OPTIONAL_FIELDS[model] if content.get(name) in EMPTY_VALUES]


def completeness(record: Record, content: dict | None = None) -> tuple[int, list[str]]:
    """(score 0-100, the optional fields still empty) of the record's content."""
    content = content if content is not None else content_of(record)
    optional = OPTIONAL_FIELDS[type(record)]
    missing = missing_fields(type(record), content)
    score = round(100 * (len(optional) - len(missing)) / len(optional)) if optional else 100
    return score, missing


def refresh_completeness(record: Record, content: dict | None = None) -> None:
    """Set the stored score from the live content (the caller saves the record).

    The one place that writes `Record.completeness`: the services call it wherever a record's
    live content changes (create, edit in place, revision approval, a linked draft deleted).
    """
    record.completeness = completeness(record, content)[0]


def records_linking_to(record: Record) -> list[Record]:
    """The records whose link fields name `record` (their completeness counts the link)."""
    found: list[Record] = []
    for (model, _name), (table, source, target, target_model) in _LINK_TABLES.items():
        if target_model is not type(record):
            continue
        links = table.objects.unscoped("links to a record already accessed").filter(
            **{target: record}
        )
        sources = links.values_list(f"{source}_id", flat=True)
        found += model.objects.unscoped("records linking to a record already accessed").filter(
            pk__in=list(sources)
        )
    return found
