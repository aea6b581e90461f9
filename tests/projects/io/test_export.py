"""Exports of filtered lists (SPEC 8): every format, only what the caller may see, the list's
filters, streamed with a query count that does not grow with the rows."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from projects.io import columns
from registry.multilingual import pick
from tests.projects.factories import create, place_in_state
from tests.projects.io.conftest import MODELS, body, read_xlsx

Project, Zone, Contact = MODELS["projects"], MODELS["zones"], MODELS["contacts"]


@pytest.fixture
def catalogue(org_a, org_b, editor_a, editor_b):
    """org_a: a draft and a published record of each type; org_b: a draft and a published one."""
    made = {}
    for model in (Zone, Project, Contact):
        kind = model.record_type
        made[model] = {
            "a_draft": create(model, org_a, editor_a, ref=f"DRAFT-{kind}"),
            "a_published": place_in_state(
                create(model, org_a, editor_a, ref=f"PUB-{kind}"), "published"
            ),
            "b_draft": create(model, org_b, editor_b, ref=f"DRAFT-{kind}", countries=["KZ"]),
            "b_published": place_in_state(
                create(model, org_b, editor_b, ref=f"PUB-{kind}", countries=["KZ"]), "published"
            ),
        }
    return made


def identifiers(format, data: bytes) -> set[str]:
    if format == "csv":
        return {row["identifier"] for row in csv.DictReader(io.StringIO(data.decode()))}
    if format == "xlsx":
        header, *rows = read_xlsx(data)
        return {row[header.index("identifier")] for row in rows}
    if format == "json":
        return {item["identifier"] for item in json.loads(data)}
    features = json.loads(data)["features"]
    return {feature["properties"]["identifier"] for feature in features}


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("format", ["csv", "xlsx", "json", "geojson"])
@pytest.mark.parametrize("record_type", ["projects", "zones", "contacts"])
def test_export_holds_only_what_the_caller_may_see(format, record_type, catalogue, editor_a):
    model = MODELS[record_type]
    url = f"/api/v1/{record_type}/export.{format}"
    if format == "geojson" and model is Contact:
        response = client_for(editor_a).get(url)
        assert response.status_code == 406
        assert "contacts have no geometry" in response.json()["detail"]
        return
    made = catalogue[model]
    response = client_for(editor_a).get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith(f'attachment; filename="{record_type}-')
    assert "private" in response["Cache-Control"]
    seen = identifiers(format, body(response))
    assert seen == {made[k].identifier for k in ("a_draft", "a_published", "b_published")}

    anonymous = identifiers(format, body(client_for().get(url)))
    assert anonymous == {made[k].identifier for k in ("a_published", "b_published")}


def test_export_takes_the_list_filters(catalogue, editor_a):
    made = catalogue[Project]
    client = client_for(editor_a)
    data = body(
        client.get("/api/v1/projects/export.json", {"country": "KZ", "organization": "almaty"})
    )
    assert identifiers("json", data) == {made["b_published"].identifier}
    data = body(client.get("/api/v1/projects/export.csv", {"workflow_state": "draft"}))
    assert identifiers("csv", data) == {made["a_draft"].identifier}

    response = client.get("/api/v1/projects/export.csv", {"country": "XX"})
    assert response.status_code == 400 and "country" in response.json()["errors"]
    response = client.get("/api/v1/projects/export.csv", {"contry": "KZ"})
    assert response.status_code == 400 and "contry" in response.json()["errors"]
    response = client.get("/api/v1/projects/export.pdf")
    assert response.status_code == 406


def test_the_csv_header_is_the_documented_layout(catalogue, editor_a):
    data = body(client_for(editor_a).get("/api/v1/contacts/export.csv"))
    header = next(csv.reader(io.StringIO(data.decode())))
    assert header == columns.export_columns(Contact)
    assert header[:2] == ["identifier", "organization"] and "name.zh" in header


def test_an_extra_language_gets_its_own_column(org_a, editor_a):
    create(Zone, org_a, editor_a, name={"en": "Zone", "fr": "Zone française"})
    header, row = read_xlsx(body(client_for(editor_a).get("/api/v1/zones/export.xlsx")))
    assert row[header.index("name.fr")] == "Zone française"
    assert header.index("name.fr") > header.index("name.tk")


def test_geojson_has_one_feature_per_record_a_multipoint_and_a_polygon(catalogue, editor_a):
    data = json.loads(body(client_for(editor_a).get("/api/v1/projects/export.geojson")))
    assert data["type"] == "FeatureCollection"
    (feature,) = [f for f in data["features"] if f["id"] == "CN-XIAN-PUB-projects"]
    assert feature["geometry"] == {
        "type": "MultiPoint",
        "coordinates": [[108.94, 34.34], [76.89, 43.24]],
    }
    zones = json.loads(body(client_for(editor_a).get("/api/v1/zones/export.geojson")))
    assert {f["geometry"]["type"] for f in zones["features"]} == {"Polygon"}


def test_geojson_feature_count_equals_the_record_count_with_null_geometries(
    catalogue, org_a, editor_a
):
    one = create(
        Project,
        org_a,
        editor_a,
        ref="ONE",
        locations=[{"name": "Xi'an", "lat": 34.34, "lon": 108.94}],
    )
    create(Project, org_a, editor_a, ref="NOWHERE", locations=[])
    client = client_for(editor_a)
    records = json.loads(body(client.get("/api/v1/projects/export.json")))
    data = json.loads(body(client.get("/api/v1/projects/export.geojson", {"lang": "zh"})))
    assert len(data["features"]) == len(records) == 5
    by_id = {f["id"]: f for f in data["features"]}
    assert by_id["CN-XIAN-NOWHERE"]["geometry"] is None
    assert by_id[one.identifier]["geometry"] == {"type": "Point", "coordinates": [108.94, 34.34]}
    # Amounts are numbers, once per record: the sum counts each budget once.
    assert records[0]["budget_amount"] == 1500000.0
    total = sum(f["properties"]["budget_amount"] or 0 for f in data["features"])
    assert total == sum(r["budget_amount"] or 0 for r in records)
    flat = by_id[one.identifier]["properties"]
    assert flat["title"] == flat["title_zh"] == one.title["zh"]
    assert flat["title_ru"] == one.title.get("ru", "")
    assert flat["organization_name"] == pick(org_a.name, "zh-hans") != ""
    assert flat["category_label"] == "旅游专列"
    assert flat["url"] == f"http://localhost:8000/projects/{one.identifier}/"
    english = json.loads(body(client.get("/api/v1/projects/export.geojson")))
    assert {f["id"]: f for f in english["features"]}[one.identifier]["properties"][
        "category_label"
    ] == "Tourism train"
    assert client.get("/api/v1/projects/export.geojson", {"lang": "xx"}).status_code == 400


def test_xlsx_text_has_no_formula_escape_and_times_are_times(org_a, editor_a):
    import datetime

    contact = create(
        Contact, org_a, editor_a, ref="PHONE", phone="+869915551234", provider="=HYPERLINK(1)"
    )
    header, row = read_xlsx(body(client_for(editor_a).get("/api/v1/contacts/export.xlsx")))
    assert row[header.index("phone")] == "+869915551234"
    assert row[header.index("provider")] == "=HYPERLINK(1)"
    assert not any(isinstance(cell, str) and cell.startswith("'") for cell in row)
    created = row[header.index("created_at")]
    assert isinstance(created, datetime.datetime)
    assert abs(created - contact.created_at.replace(tzinfo=None)) < datetime.timedelta(seconds=1)
    assert isinstance(row[header.index("updated_at")], datetime.datetime)
    # The CSV keeps its escape (a spreadsheet would run the formula).
    data = body(client_for(editor_a).get("/api/v1/contacts/export.csv")).decode()
    assert "'+869915551234" in data and "'=HYPERLINK(1)" in data


def test_xlsx_cells_have_their_types(catalogue, editor_a):
    import datetime

    header, *rows = read_xlsx(body(client_for(editor_a).get("/api/v1/projects/export.xlsx")))
    row = rows[0]
    assert row[header.index("planned_start")] == datetime.datetime(2025, 5, 1)
    assert row[header.index("budget_amount")] == 1500000
    assert row[header.index("countries")] == "CN;KZ"


def test_export_queries_do_not_grow_with_the_rows(org_a, editor_a):
    """Linked records come per chunk of the server-side cursor, not per row."""

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            body(client_for(editor_a).get("/api/v1/projects/export.csv"))
        return len(queries)

    for n in range(3):
        create(Project, org_a, editor_a, ref=f"FEW-{n}")
    few = count_queries()
    for n in range(30):
        create(Project, org_a, editor_a, ref=f"MANY-{n}")
    assert count_queries() == few


def test_the_catalogue_pages_export_with_their_query_string(catalogue, client, editor_a):
    made = catalogue[Zone]
    client.force_login(editor_a)
    # Parameters of the page itself (not filters) are left aside.
    response = client.get("/zones/export.csv", {"workflow_state": "published", "page": "2"})
    assert response.status_code == 200
    assert identifiers("csv", body(response)) == {
        made["a_published"].identifier,
        made["b_published"].identifier,
    }
    response = client.get("/zones/export.json", {"country": "nowhere"})
    assert response.status_code == 400
    assert client.get("/contacts/export.geojson").status_code == 406
    client.logout()
    response = client.get("/projects/export.xlsx")
    assert response.status_code == 200
    assert identifiers("xlsx", body(response)) == {
        catalogue[Project]["a_published"].identifier,
        catalogue[Project]["b_published"].identifier,
    }


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_import_templates_download_in_each_format(format, client, db):
    for record_type, model in MODELS.items():
        response = client.get(f"/{record_type}/import/template.{format}")
        assert response.status_code == 200
        data = body(response)
        if format == "csv":
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert rows[0] == columns.template_columns(model) and len(rows) == 4
        elif format == "xlsx":
            rows = read_xlsx(data)
            assert list(rows[0]) == columns.template_columns(model) and len(rows) == 4
        else:
            assert len(json.loads(data)) == 3  # three example records (issue 18)
    assert client.get("/projects/import/template.pdf").status_code == 404


def test_the_export_link_snippet_carries_the_filters(rf, db):
    from django.template.loader import render_to_string

    request = rf.get("/projects/", {"country": "KZ", "q": "train"})
    html = render_to_string(
        "projects/io/_export_links.html", {"record_type": "projects", "request": request}
    )
    assert 'href="/projects/export.csv?country=KZ&amp;q=train"' in html
    assert "/projects/export.iati.xml?country=KZ" in html
    contacts = render_to_string(
        "projects/io/_export_links.html", {"record_type": "contacts", "request": request}
    )
    assert "geojson" not in contacts and "iati" not in contacts
