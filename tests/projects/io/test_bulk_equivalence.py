"""The bulk path of an import (projects.domain.bulk, issue 19) stores exactly what the per-row
path (`services.create_record` for each row) stores.

Each test imports the same file both ways into the same organization, each inside a savepoint
that is rolled back after its snapshot, and compares every stored field of every record, every
link with its RLS copies, every audit entry, the completeness scores, the change counter's move
and the report (counts, preview, every error with its row and column).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from projects.domain.change_counters import org_scope
from projects.io import importing
from projects.models import (
    RECORD_MODELS,
    AuditEntry,
    ChangeCounter,
    Contact,
    ContactProject,
    ContactZone,
    Project,
    ProjectRelation,
    ProjectZone,
    Zone,
)
from registry import rls
from tests.factories import member
from tests.projects.factories import create, place_in_state
from tests.projects.io.conftest import flat_file, rows_of, run_import

# Columns that differ between two runs by nature: keys and clocks.
VOLATILE = {"id", "created_at", "updated_at", "public_updated_at"}
LINK_TABLES = (ProjectZone, ContactZone, ContactProject, ProjectRelation)


def snapshot(organization) -> dict:
    """Everything an import stores about `organization`, keyed by identifiers, not ids."""
    with rls.system_context("the test compares what two imports stored"):
        identifier_of = {}
        records = {}
        for model in RECORD_MODELS:
            for record in model.all_rows_for_internal_use.filter(organization=organization):
                identifier_of[(model, record.pk)] = record.identifier
                records[record.identifier] = {
                    field.attname: getattr(record, field.attname)
                    for field in model._meta.concrete_fields
                    if field.attname not in VOLATILE
                }
        links = []
        for table in LINK_TABLES:
            for row in table.all_rows_for_internal_use.filter(organization=organization):
                values = {}
                for field in table._meta.concrete_fields:
                    if field.attname in VOLATILE:
                        continue
                    value = getattr(row, field.attname)
                    if field.is_relation and field.related_model in RECORD_MODELS:
                        value = identifier_of.get((field.related_model, value), value)
                    values[field.attname] = value
                links.append((table.__name__, sorted(values.items(), key=str)))
        entries = []
        for entry in AuditEntry.all_rows_for_internal_use.filter(organization_id=organization.pk):
            values = {
                field.attname: getattr(entry, field.attname)
                for field in AuditEntry._meta.concrete_fields
                if field.attname not in VOLATILE | {"object_id"}
            }
            entries.append(sorted(values.items(), key=str))
        counter = ChangeCounter.objects.filter(scope=org_scope(organization.pk)).first()
    return {
        "records": records,
        "links": sorted(links, key=str),
        "audit": sorted(entries, key=str),
        "counter_moved": counter is not None and counter.value > 0,
    }


def both_ways(user, organization, model, data: bytes, filename: str, **options) -> list:
    """(report, snapshot) of the bulk import and of the per-row import of the same file."""
    outcomes = []
    for bulk in (True, False):
        with transaction.atomic():
            report = run_import(user, organization, model, data, filename, bulk=bulk, **options)
            outcomes.append((report.as_dict(), snapshot(organization)))
            transaction.set_rollback(True)
    return outcomes


@pytest.fixture
def world(org_a, org_b, editor_a, db):
    """What the files link to: a zone and a project of org_a, a published zone of org_b, a
    project with a generated ref (CN-XIAN-P-0001) and a draft the file re-imports."""
    editor_b = member(org_b, "editor")
    zone = create(Zone, org_a, editor_a, ref="ZONE-HOME")
    foreign = create(Zone, org_b, editor_b, ref="ZONE-FAR")
    place_in_state(foreign, "published")
    hidden = create(Zone, org_b, editor_b, ref="ZONE-HIDDEN")
    generated = create(Project, org_a, editor_a)
    draft = create(Project, org_a, editor_a, ref="TRAIN-OLD")
    return {"zone": zone, "foreign": foreign, "hidden": hidden, "p1": generated, "draft": draft}


def project_row(ref, **cells) -> dict:
    row = {
        "ref": ref,
        "title.en": f"Train {ref}",
        "summary.en": "A cultural tourism train.",
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": "CN;KZ",
        "planned_start": "2025-05-01",
        "budget_amount": "1500000.50",
        "budget_currency": "CNY",
    }
    row.update(cells)
    return row


@pytest.mark.parametrize("batch", [2, 1000])
def test_projects_with_links_generated_refs_and_a_reimport_store_the_same(
    batch, monkeypatch, world, org_a, editor_a
):
    monkeypatch.setattr(importing, "BULK_ROWS", batch)
    rows = [
        project_row("TRAIN-1", related_projects="CN-XIAN-TRAIN-3|parent"),  # a later row
        project_row("TRAIN-2", zones="CN-XIAN-ZONE-HOME;KZ-ALA-ZONE-FAR"),
        project_row("", website="https://example.org/generated"),  # P-0002
        project_row("P-0003"),
        project_row("", zones="KZ-ALA-ZONE-FAR"),  # P-0004
        project_row("TRAIN-3", related_projects="CN-XIAN-TRAIN-2|sibling"),  # an earlier row
        project_row("TRAIN-OLD", **{"title.en": "The old train, renamed"}),  # an update
        project_row("TRAIN-4", related_projects="CN-XIAN-P-0001|child"),
        *[project_row(f"TRAIN-{n}", tags="rail;summit") for n in range(5, 12)],
    ]
    data = flat_file("csv", rows)
    (bulk_report, bulk), (row_report, per_row) = both_ways(editor_a, org_a, Project, data, "f.csv")

    assert bulk_report["error_count"] == 0, bulk_report["errors"]
    assert (bulk_report["created"], bulk_report["updated"]) == (14, 1)
    assert bulk_report == row_report
    assert bulk["records"] == per_row["records"]
    assert bulk["links"] == per_row["links"]
    assert bulk["audit"] == per_row["audit"]
    assert bulk["counter_moved"] and per_row["counter_moved"]
    assert {"CN-XIAN-P-0002", "CN-XIAN-P-0003", "CN-XIAN-P-0004"} <= set(bulk["records"])
    assert bulk["records"]["CN-XIAN-TRAIN-5"]["completeness"] > 0
    assert len(bulk["links"]) == 6


def test_contacts_linking_to_zones_and_projects_store_the_same(world, org_a, editor_a):
    rows = [
        {
            "ref": f"HOTLINE-{n}",
            "kind": "tourist_hotline",
            "name.en": f"Tourist hotline {n}",
            "phone": "+77272000000",
            "languages": "en;ru",
            "countries_covered": "KZ;CN",
            "zones": "CN-XIAN-ZONE-HOME" if n % 2 else "KZ-ALA-ZONE-FAR",
            "projects": "CN-XIAN-P-0001;CN-XIAN-TRAIN-OLD" if n % 3 else "",
        }
        for n in range(1, 8)
    ]
    (bulk_report, bulk), (row_report, per_row) = both_ways(
        editor_a, org_a, Contact, flat_file("csv", rows), "c.csv"
    )

    assert bulk_report["error_count"] == 0, bulk_report["errors"]
    assert bulk_report == row_report
    assert bulk == per_row
    assert len([link for link in bulk["links"] if link[0] == "ContactProject"]) == 10


def test_refused_rows_are_reported_the_same(world, org_a, editor_a):
    """Every error, with its row, identifier, column and message, in the same order."""
    rows = [
        project_row("TRAIN-1"),
        project_row("ZONE-HOME"),  # taken by the zone CN-XIAN-ZONE-HOME
        project_row("TRAIN-3", zones="KZ-ALA-ZONE-HIDDEN"),  # not visible
        project_row("TRAIN-4", planned_start="someday"),  # unreadable, read before the above
        project_row("TRAIN-5", related_projects="CN-XIAN-TRAIN-5|parent"),  # itself
        project_row("", planned_end="2020-01-01"),  # before its start
        project_row("TRAIN-6", budget_currency=""),
        project_row("TRAIN-2", countries="CN;XX"),  # not a country
        project_row("TRAIN-7"),
    ]
    (bulk_report, bulk), (row_report, per_row) = both_ways(
        editor_a, org_a, Project, flat_file("csv", rows), "bad.csv"
    )

    assert bulk_report["error_count"] >= 6, bulk_report["errors"]
    assert bulk_report == row_report
    assert bulk == per_row
    assert [(e["row"], e["column"]) for e in bulk_report["errors"]][:3] == [
        (3, "ref"),
        (4, "zones"),
        (5, "planned_start"),
    ]


def test_a_dry_run_of_new_rows_reports_the_same_and_stores_nothing(world, org_a, editor_a):
    rows = [project_row(f"TRAIN-{n}") for n in range(1, 6)]
    before = snapshot(org_a)
    (bulk_report, bulk), (row_report, per_row) = both_ways(
        editor_a, org_a, Project, flat_file("csv", rows), "f.csv", dry_run=True
    )

    assert bulk_report == row_report
    assert bulk_report["created"] == 5 and not bulk_report["imported"]
    assert bulk["records"] == before["records"] == per_row["records"]


def test_a_row_naming_a_ref_generated_by_an_earlier_row_updates_it_both_ways(
    world, org_a, editor_a
):
    rows = [
        project_row("TRAIN-1"),
        project_row(""),  # draws CN-XIAN-P-0002
        project_row("P-0002", **{"title.en": "Renamed"}),  # the record the row above made
        project_row("TRAIN-2", related_projects="CN-XIAN-P-0002|parent"),
    ]
    (bulk_report, bulk), (row_report, per_row) = both_ways(
        editor_a, org_a, Project, flat_file("csv", rows), "f.csv"
    )

    assert bulk_report["error_count"] == 0, bulk_report["errors"]
    assert (bulk_report["created"], bulk_report["updated"]) == (3, 1)
    assert bulk_report == row_report
    assert bulk == per_row
    assert bulk["records"]["CN-XIAN-P-0002"]["title"] == {"en": "Renamed"}


@pytest.mark.postgres_only  # two writers at once: SQLite locks the whole table instead
@pytest.mark.django_db(transaction=True)
def test_a_ref_taken_by_a_parallel_import_during_the_batch_is_reported_not_a_crash():
    """Another transaction inserts HOTLINE-2 after the batch checked its identifiers and
    commits while the batch's INSERT waits on it: the batch gives way and its rows go through
    create_record, which reports the ref as taken; nothing is imported."""
    import threading

    from django.db import connection as main_connection

    from tests.factories import OrganizationFactory

    organization = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    editor = member(organization, "editor")
    inserted, release = threading.Event(), threading.Event()

    def parallel_create():
        from django.db import connection

        try:
            with transaction.atomic():
                create(Contact, organization, editor, ref="HOTLINE-2")
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=parallel_create)
    thread.start()
    assert inserted.wait(10)
    # The batch's INSERT waits for the parallel transaction; let it commit a moment later.
    threading.Timer(1.0, release.set).start()
    rows = [
        {
            "ref": f"HOTLINE-{n}",
            "kind": "tourist_hotline",
            "name.en": f"Tourist hotline {n}",
            "phone": "+77272000000",
            "countries_covered": "KZ;CN",
        }
        for n in range(1, 4)
    ]
    report = run_import(editor, organization, Contact, flat_file("csv", rows), "c.csv")
    thread.join(10)

    assert main_connection.in_atomic_block is False
    assert not report.imported
    assert [(e.row, e.column) for e in report.errors] == [(3, "ref")]
    assert "CN-XIAN-HOTLINE-2 is already in use" in report.errors[0].message
    with rls.system_context("the test reads what stayed"):
        kept = Contact.all_rows_for_internal_use.filter(organization=organization)
        assert list(kept.values_list("identifier", flat=True)) == ["CN-XIAN-HOTLINE-2"]


@pytest.mark.parametrize("format", ["json", "xlsx"])
@pytest.mark.parametrize("record_type", ["projects", "zones", "contacts"])
def test_every_type_and_format_stores_the_same(format, record_type, world, org_a, editor_a):
    rows = rows_of(format, record_type, 6)
    if record_type == "projects" and format == "json":
        rows[0]["zones"] = ["CN-XIAN-ZONE-HOME"]
        rows[1]["related_projects"] = [{"identifier": "CN-XIAN-TRAIN-1", "kind": "sibling"}]
        rows[2]["related_projects"] = [{"identifier": "CN-XIAN-TRAIN-6", "kind": "parent"}]
    if record_type == "contacts" and format == "json":
        rows[0]["projects"] = ["CN-XIAN-TRAIN-OLD"]
        rows[0]["zones"] = ["KZ-ALA-ZONE-FAR"]
    model = {"projects": Project, "zones": Zone, "contacts": Contact}[record_type]
    (bulk_report, bulk), (row_report, per_row) = both_ways(
        editor_a, org_a, model, flat_file(format, rows), f"f.{format}"
    )

    assert bulk_report["error_count"] == 0, bulk_report["errors"]
    assert bulk_report["created"] == 6
    assert bulk_report == row_report
    assert bulk == per_row
