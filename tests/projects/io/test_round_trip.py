"""What an export writes, the import reads back unchanged: each format, each record type.

The records carry what is hard to keep in a flat file: several languages (one outside SPEC 4's
list), separators and escapes inside items, text a spreadsheet would take for a formula, an
amount a float cannot hold, links to other records (one further down the file).
"""

import pytest
from rest_framework.test import APIClient

from projects.domain import services
from projects.domain.content import content_of
from registry.tenancy import Actor, visible
from tests.projects.io.conftest import MODELS, body, run_import

Project, Zone, Contact = MODELS["projects"], MODELS["zones"], MODELS["contacts"]

ZONE = {
    "name": {"en": '=HYPERLINK("http://evil.example")', "zh": "霍尔果斯", "fr": "Zone de Khorgos"},
    "description": {"ru": "Описание; с точкой с запятой | и чертой \\ и обратной"},
    "kind": "cross_border_tourism_zone",
    "countries": ["CN", "KZ"],
    "tags": ["a;b", "c|d", "-minus", "@at", "'quoted"],
    "geometry": {
        "type": "MultiPolygon",
        "coordinates": [[[[80.3, 44.1], [80.5, 44.1], [80.5, 44.3], [80.3, 44.1]]]],
    },
    "border_crossings": ["Khorgos; north gate", "Nur Zholy"],
    "established_on": "2012-04-18",
    "governing_body": "+ management committee",
    "policies": {
        "visa_facilitation": "Visa-free for 30 days.\nLine two.",
        "cross_border_investment": "Duty-free trade.",
        "insurance": "Sold at the gate.",
        "other": "\tTabbed",
    },
    "lifecycle_status": "operational",
}


def project(zone_identifier, related=None, **overrides):
    data = {
        "title": {"en": "Xi'an-Almaty train", "kk": "Сиань — Алматы пойызы"},
        "summary": {"en": "-- a summary that starts with dashes"},
        "description": {"en": "Line one\r\nline two"},
        "category": "tourism_train",
        "lifecycle_status": "implementation",
        "countries": ["CN", "KZ"],
        "tags": ["rail"],
        "planned_start": "2025-05-01",
        "actual_start": "2025-06-10",
        "planned_end": "2027-12-31",
        "locations": [
            {"name": "Xi'an | west", "lat": 34.34, "lon": 108.94},
            {"name": "Somewhere;else", "lat": -12, "lon": -0.5},
        ],
        "zones": [zone_identifier],
        "related_projects": related or [],
        "budget_amount": "1234567890123.45",
        "budget_currency": "CNY",
        "website": "https://example.org/train",
        "documents": [
            {"title": "Agreement | signed", "url": "https://example.org/a.pdf?x=1;y=2"},
            {
                "title": "Report",
                "url": "https://example.org/r",
                "language": "ru",
                "category": "report",
            },
        ],
        "expected_outcomes": {"en": "@mention and more"},
    }
    data.update(overrides)
    return data


CONTACT = {
    "kind": "insurance_claims",
    "name": {"en": "Claims hotline", "uz": "Sug'urta"},
    "provider": "Silk Road Insurance",
    "phone": "+77272000000",
    "email": "claims@example.org",
    "website": "https://example.org/claims",
    "languages": ["en", "ru"],
    "hours": "24/7",
    "countries": ["KZ"],
    "countries_covered": ["KZ", "CN"],
    "valid_from": "2025-01-01",
    "valid_until": "2026-01-01",
}


@pytest.fixture
def records(org_a, editor_a):
    """Two of each type in org_a; the first project names the second (later) as its parent."""
    actor = Actor.for_user(editor_a)
    zones = [
        services.create_record(actor, Zone, org_a, ZONE, ref="ZONE-A"),
        services.create_record(actor, Zone, org_a, {**ZONE, "policies": {}}, ref="ZONE-B"),
    ]
    second = services.create_record(
        actor, Project, org_a, project(zones[0].identifier), ref="TRAIN-B"
    )
    first = services.create_record(
        actor,
        Project,
        org_a,
        project(
            zones[1].identifier,
            related=[{"identifier": second.identifier, "kind": "parent"}],
            title={"en": "Child train"},
            budget_amount="1500000.50",
        ),
        ref="TRAIN-A",
    )
    contacts = [
        services.create_record(
            actor,
            Contact,
            org_a,
            {**CONTACT, "zones": [zones[0].identifier], "projects": [first.identifier]},
            ref="CLAIMS-A",
        ),
        services.create_record(actor, Contact, org_a, {**CONTACT, "phone": ""}, ref="CLAIMS-B"),
    ]
    return {"zones": zones, "projects": [first, second], "contacts": contacts}


def export(user, record_type, format) -> bytes:
    client = APIClient()
    client.force_login(user)
    response = client.get(f"/api/v1/{record_type}/export.{format}", {"organization": "xian"})
    assert response.status_code == 200
    return body(response)


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("record_type", ["projects", "zones", "contacts"])
def test_round_trip_is_lossless(format, record_type, records, org_a, editor_a):
    model = MODELS[record_type]
    originals = {record.identifier: content_of(record) for record in records[record_type]}
    data = export(editor_a, record_type, format)

    # Read back over the records themselves: every row is there and changes nothing.
    report = run_import(editor_a, org_a, model, data, f"export.{format}")
    assert report.ok, report.errors
    assert (report.rows, report.unchanged, report.updated) == (2, 2, 0)

    # Delete them, and the file brings them back as they were, identifiers and all.
    actor = Actor.for_user(editor_a)
    for record in records[record_type]:
        services.delete_record(actor, record)
    report = run_import(editor_a, org_a, model, data, f"export.{format}")
    assert report.ok, report.errors
    assert report.created == 2
    restored = visible(actor, model).filter(organization=org_a)
    assert {record.identifier: content_of(record) for record in restored} == originals


def test_exported_cells_that_look_like_formulas_are_escaped(records, editor_a):
    from tests.projects.io.conftest import read_xlsx

    text = export(editor_a, "zones", "csv").decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    # Items inside a list cell are escaped (;, |) but only a cell's first character matters.
    assert "a\\;b;c\\|d;-minus;@at;'quoted" in text
    header, *rows = read_xlsx(export(editor_a, "zones", "xlsx"))
    name_en = header.index("name.en")
    # An XLSX text cell is never a formula: the text as it is, no escape (issue 20).
    assert {row[name_en] for row in rows} == {'=HYPERLINK("http://evil.example")'}
    governing = header.index("governing_body")
    assert {row[governing] for row in rows} == {"+ management committee"}


def test_the_api_csv_format_escapes_formulas_too(records, editor_a):
    client = APIClient()
    client.force_login(editor_a)
    response = client.get("/api/v1/zones/", {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "'+ management committee" in text
    assert ",+ management committee" not in text
