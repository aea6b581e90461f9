"""Bulk import (SPEC 8, issue 9): each format and each record type, through the import service.

A valid file imports fully; one bad row in 1,000 imports nothing and is named by row and column;
re-importing updates drafts and refuses records past review; every import is one audit entry.
"""

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import Organization
from projects.domain import revisions, services
from projects.domain.content import content_of
from projects.models import AuditEntry, WorkflowState
from registry.tenancy import Actor, NotAllowed, visible
from tests.factories import member
from tests.projects.factories import create, place_in_state
from tests.projects.io.conftest import FORMATS, MODELS, file_of, flat_file, rows_of, run_import

TYPES = tuple(MODELS)


def owned(model, organization):
    return visible(Actor(platform_role="platform_admin"), model).filter(organization=organization)


def import_entries(organization):
    return visible(Actor(platform_role="platform_admin"), AuditEntry).filter(
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=organization.pk,
        action="import",
    )


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("record_type", TYPES)
def test_a_valid_file_imports_fully(format, record_type, org_a, editor_a):
    model = MODELS[record_type]
    report = run_import(editor_a, org_a, model, file_of(format, record_type, 3), f"f.{format}")

    assert report.ok, report.errors
    assert (report.rows, report.created, report.imported) == (3, 3, True)
    records = list(owned(model, org_a).order_by("identifier"))
    assert len(records) == 3
    assert all(record.workflow_state == WorkflowState.DRAFT for record in records)
    first = content_of(records[0])
    if record_type == "projects":
        assert records[0].identifier == "CN-XIAN-TRAIN-1"
        assert first["title"] == {
            "en": "Xi'an-Almaty tourism train 1",
            "zh": "西安—阿拉木图旅游专列 1",
        }
        assert first["countries"] == ["CN", "KZ"]
        assert first["locations"][1] == {"name": "Almaty", "lat": 43.24, "lon": 76.89}
        assert first["budget_amount"] == "1500000.50"
        assert first["planned_start"] == "2025-05-01"
        assert first["documents"][0]["category"] == "agreement"
    elif record_type == "zones":
        assert first["geometry"]["type"] == "Polygon"
        assert first["policies"] == {"visa_facilitation": "Visa-free stay inside the zone."}
        assert first["name"]["ru"] == "Зона Хоргос 1"
    else:
        assert first["phone"] == "+77272000000"  # a leading + is no formula on the way in
        assert first["languages"] == ["en", "ru", "zh"]
        assert first["countries"] == ["KZ", "CN"]  # defaults to the countries covered
    (entry,) = import_entries(org_a)
    assert "created=3 updated=0 unchanged=0" in entry.comment
    assert entry.actor == editor_a


# A value the services refuse, per type: (column, bad value in a flat file, bad JSON value).
BAD_CELL = {
    "projects": ("planned_end", "2024-01-01", "2024-01-01"),  # before planned_start
    "zones": ("kind", "moon_base", "moon_base"),
    "contacts": ("phone", "12345", "12345"),
}


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("record_type", TYPES)
def test_one_bad_row_in_1000_imports_nothing_and_names_row_and_column(
    format, record_type, org_a, editor_a
):
    model = MODELS[record_type]
    rows = rows_of(format, record_type, 1000)
    column, flat_value, json_value = BAD_CELL[record_type]
    rows[499][column] = json_value if format == "json" else flat_value
    report = run_import(editor_a, org_a, model, flat_file(format, rows), f"f.{format}")

    assert report.error_count == 1, report.errors
    (error,) = report.errors
    # Row 1 of a sheet is its header, so the 500th record is row 501; JSON counts records.
    assert error.row == (500 if format == "json" else 501)
    assert error.column == column
    assert error.identifier == f"CN-XIAN-{rows[499]['ref']}"
    assert report.rows == 1000 and not report.imported
    assert "nothing was imported" in report.summary
    assert not owned(model, org_a).exists()
    assert not import_entries(org_a).exists()


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("record_type", TYPES)
def test_re_import_updates_drafts_and_refuses_records_past_review(
    format, record_type, org_a, editor_a
):
    model = MODELS[record_type]
    run_import(editor_a, org_a, model, file_of(format, record_type, 3), f"f.{format}")
    first, second, third = owned(model, org_a).order_by("identifier")
    place_in_state(second, WorkflowState.CHANGES_REQUESTED)
    rows = rows_of(format, record_type, 3)
    text_field = {"projects": "title", "zones": "name", "contacts": "name"}[record_type]
    for row in rows[:2]:
        if format == "json":
            row[text_field] = {"en": "Renamed by the import"}
        else:
            row[f"{text_field}.en"] = "Renamed by the import"
            row.pop(f"{text_field}.zh", None)
            row.pop(f"{text_field}.ru", None)

    report = run_import(editor_a, org_a, model, flat_file(format, rows), f"f.{format}")

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    for record in (first, second):
        record.refresh_from_db()
        assert getattr(record, text_field) == {"en": "Renamed by the import"}
        assert record.version > 1
    third.refresh_from_db()
    assert third.version == 1

    # Issue 18: a changed row of a published record opens a pending revision that goes to
    # review; the published content stays until it is approved.
    place_in_state(first, WorkflowState.PUBLISHED)
    rows[0][text_field if format == "json" else f"{text_field}.en"] = (
        {"en": "Revised"} if format == "json" else "Revised"
    )
    report = run_import(editor_a, org_a, model, flat_file(format, rows), f"f.{format}")
    assert report.ok, report.errors
    assert (report.revised, report.unchanged) == (1, 2)
    assert "1 published record(s) were revised" in report.summary
    first.refresh_from_db()
    assert first.workflow_state == "published"
    assert getattr(first, text_field) == {"en": "Renamed by the import"}
    revision = revisions.open_revision(first)
    assert revision.state == "submitted"
    assert revision.content[text_field] == {"en": "Revised"}

    # A record under review is not changed: the row is refused, nothing imported ...
    rows[1][text_field if format == "json" else f"{text_field}.en"] = (
        {"en": "Again"} if format == "json" else "Again"
    )
    report = run_import(editor_a, org_a, model, flat_file(format, rows), f"f.{format}")
    assert report.error_count == 1
    (error,) = report.errors
    assert (error.row, error.identifier) == (1 if format == "json" else 2, first.identifier)
    assert "review" in error.message
    second.refresh_from_db()
    assert getattr(second, text_field) == {"en": "Renamed by the import"}


def test_a_dry_run_validates_every_row_and_saves_nothing(org_a, editor_a):
    rows = rows_of("csv", "projects", 4)
    rows[1]["category"] = "spaceport"
    rows[3]["countries"] = "CN;XX"
    report = run_import(
        editor_a, org_a, MODELS["projects"], flat_file("csv", rows), "p.csv", dry_run=True
    )
    assert [(error.row, error.column) for error in report.errors] == [
        (3, "category"),
        (5, "countries"),
    ]
    assert "'XX' is not an ISO 3166-1" in report.errors[1].message
    assert report.created == 2  # the rows that would be created
    assert not owned(MODELS["projects"], org_a).exists()

    rows = rows_of("csv", "projects", 2)
    report = run_import(
        editor_a, org_a, MODELS["projects"], flat_file("csv", rows), "p.csv", dry_run=True
    )
    assert report.ok and report.created == 2 and not report.imported
    assert not owned(MODELS["projects"], org_a).exists()
    assert not import_entries(org_a).exists()


def test_only_editors_and_admins_of_the_organization_import(org_a, org_b, editor_b):
    viewer = member(org_a, "viewer")
    data = file_of("csv", "projects", 1)
    for user in (viewer, editor_b):
        with pytest.raises(NotAllowed):
            run_import(user, org_a, MODELS["projects"], data, "p.csv")
    assert not owned(MODELS["projects"], org_a).exists()


def test_rows_may_name_records_further_down_the_file(org_a, editor_a):
    """A project may name its parent (or a zone it links) on a later row of the same file."""
    rows = rows_of("csv", "projects", 2)
    rows[0]["related_projects"] = "CN-XIAN-TRAIN-2|parent"
    report = run_import(editor_a, org_a, MODELS["projects"], flat_file("csv", rows), "p.csv")
    assert report.ok, report.errors
    child = owned(MODELS["projects"], org_a).get(identifier="CN-XIAN-TRAIN-1")
    assert content_of(child)["related_projects"] == [
        {"identifier": "CN-XIAN-TRAIN-2", "kind": "parent"}
    ]

    rows = rows_of("csv", "projects", 1, start=3)
    rows[0]["related_projects"] = "CN-XIAN-NOWHERE|parent"
    report = run_import(editor_a, org_a, MODELS["projects"], flat_file("csv", rows), "p.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "related_projects")]
    assert "No project with identifier CN-XIAN-NOWHERE" in report.errors[0].message
    assert not owned(MODELS["projects"], org_a).filter(identifier="CN-XIAN-TRAIN-3").exists()


def test_import_reports_progress_as_it_goes(org_a, editor_a):
    from projects.io.importing import Importer

    data = file_of("csv", "contacts", 600)
    importer = Importer(
        Actor.for_user(editor_a),
        org_a,
        MODELS["contacts"],
        __import__("io").BytesIO(data),
        "c.csv",
        len(data),
        dry_run=True,
    )
    steps = list(importer.run())
    assert [step.rows for step in steps] == [250, 500, 600]
    assert 0 < steps[0].percent < steps[1].percent < 100 and steps[-1].percent == 100


def test_an_import_goes_through_the_services_so_their_rules_hold(org_a, editor_a):
    """The identifier of an existing record never changes, and records of other types keep
    their identifiers: the import reuses create_record / update_record, not its own writes."""
    zone = create(MODELS["zones"], org_a, editor_a, ref="TRAIN-1")
    report = run_import(editor_a, org_a, MODELS["projects"], file_of("csv", "projects", 1), "p.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "ref")]
    assert "already in use" in report.errors[0].message
    services.delete_record(Actor.for_user(editor_a), zone)
    report = run_import(editor_a, org_a, MODELS["projects"], file_of("csv", "projects", 1), "p.csv")
    assert report.ok
