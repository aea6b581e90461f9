"""Issue 18, "import in the official's words": labels as well as codes, the form's separator,
every error in one pass, and a re-import of one's own export that changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.domain import workflow
from projects.io import exporting
from registry.tenancy import Actor, visible
from tests.projects.io.conftest import MODELS, flat_file, rows_of, run_import

Project, Zone, Contact = MODELS["projects"], MODELS["zones"], MODELS["contacts"]


def imported(organization, model=Project):
    return visible(Actor(platform_role="platform_admin"), model).filter(organization=organization)


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_labels_in_any_language_and_any_case_are_read_as_codes(format, org_a, editor_a):
    rows = rows_of(format, "projects", 3)
    rows[0] |= {"category": "EVENT OR FESTIVAL", "lifecycle_status": "implementation",
                "countries": "China; Kazakhstan"}  # fmt: skip
    rows[1] |= {"category": "旅游专列", "lifecycle_status": "Pipeline",
                "countries": "中国;哈萨克斯坦"}  # fmt: skip
    rows[2] |= {"category": "Туристический маршрут", "countries": "Казахстан;uz"}
    report = run_import(editor_a, org_a, Project, flat_file(format, rows), f"p.{format}")
    assert report.ok, report.errors
    found = {p.ref: p for p in imported(org_a)}
    assert (found["TRAIN-1"].category, found["TRAIN-1"].countries) == (
        "event_festival",
        ["CN", "KZ"],
    )
    assert found["TRAIN-2"].category == "tourism_train" and found["TRAIN-2"].countries == [
        "CN",
        "KZ",
    ]
    assert found["TRAIN-2"].lifecycle_status == "pipeline"
    assert found["TRAIN-3"].category == "tourism_route"
    assert found["TRAIN-3"].countries == ["KZ", "UZ"]

    contacts = rows_of(format, "contacts", 1)
    contacts[0] |= {"kind": "ТУРИСТИЧЕСКАЯ горячая линия", "languages": "English;русский;zh"}
    report = run_import(editor_a, org_a, Contact, flat_file(format, contacts), f"c.{format}")
    assert report.ok, report.errors
    contact = imported(org_a, Contact).get()
    assert contact.kind == "tourist_hotline" and contact.languages == ["en", "ru", "zh"]


def test_locations_one_per_line_with_semicolons_as_in_the_form(org_a, editor_a):
    rows = rows_of("csv", "projects", 2)
    rows[0]["locations"] = "Xi'an; 34.34; 108.94\nAlmaty; 43.24; 76.89"
    rows[0]["documents"] = "Agreement; https://example.org/a.pdf; en; Agreement"
    rows[1]["locations"] = "Xi'an|34.34|108.94;Almaty|43.24|76.89"  # the older way, still read
    report = run_import(editor_a, org_a, Project, flat_file("csv", rows), "p.csv")
    assert report.ok, report.errors
    for project in imported(org_a):
        assert project.locations == [
            {"name": "Xi'an", "lat": 34.34, "lon": 108.94},
            {"name": "Almaty", "lat": 43.24, "lon": 76.89},
        ]
    first = imported(org_a).get(identifier="CN-XIAN-TRAIN-1")
    assert first.documents[0]["category"] == "agreement"


def test_every_error_of_a_row_comes_in_one_pass(org_a, editor_a):
    rows = rows_of("xlsx", "projects", 2)
    rows[1] |= {
        "planned_start": "next spring",  # a cell that cannot be read
        "category": "volcano",  # a word that names no category
        "budget_currency": "XYZ",  # refused by the services
        "countries": "CN;Atlantis",
        "unknown_column": "x",
    }
    report = run_import(editor_a, org_a, Project, flat_file("xlsx", rows), "p.xlsx")
    found = {(error.row, error.column): error.message for error in report.errors}
    assert set(found) == {
        (1, "unknown_column"),
        (3, "planned_start"),
        (3, "category"),
        (3, "budget_currency"),
        (3, "countries"),
    }, found
    assert "Event or festival (event_festival)" in found[(3, "category")]
    assert "Atlantis" in found[(3, "countries")]
    assert not report.imported and not imported(org_a).exists()


def test_re_importing_the_own_export_changes_nothing(org_a, editor_a, reviewer):
    run_import(editor_a, org_a, Project, flat_file("csv", rows_of("csv", "projects", 3)), "p.csv")
    first, second, _third = imported(org_a).order_by("identifier")
    actor = Actor.for_user(editor_a)
    workflow.perform(actor, Project, first.identifier, "submit")  # under review now
    workflow.perform(actor, Project, second.identifier, "submit")
    workflow.perform(Actor.for_user(reviewer), Project, second.identifier, "approve")
    for format in ("csv", "xlsx", "json"):
        queryset = exporting.filtered(actor, Project, {}, None)
        data = b"".join(
            chunk if isinstance(chunk, bytes) else chunk.encode()
            for chunk in exporting.export_stream(actor, queryset, format)
        )
        report = run_import(editor_a, org_a, Project, data, f"export.{format}")
        assert report.ok, (format, report.errors)
        assert (report.created, report.updated, report.revised, report.unchanged) == (0, 0, 0, 3)
        assert "3 unchanged" in report.summary


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_the_templates_example_rows_import_as_they_are(format, client, org_a, editor_a):
    import io

    import openpyxl

    from tests.projects.io.conftest import body

    for record_type, model in MODELS.items():
        data = body(client.get(f"/{record_type}/import/template.{format}"))
        report = run_import(editor_a, org_a, model, data, f"t.{format}", dry_run=True)
        assert report.ok, (record_type, report.errors)
        assert report.created == 3
    if format == "xlsx":
        data = body(client.get("/projects/import/template.xlsx"))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        assert workbook.sheetnames == ["projects", "allowed values"]
        allowed = list(workbook["allowed values"].iter_rows(values_only=True))
        assert allowed[0] == ("column", "code", "English", "中文", "Русский")
        assert any(
            row[:3] == ("category", "event_festival", "Event or festival") for row in allowed
        )
        assert any(row[:2] == ("countries", "KZ") and row[3] == "哈萨克斯坦" for row in allowed)
        assert any(row[:2] == ("lifecycle_status", "pipeline") for row in allowed)


def test_the_column_guide_is_a_page_in_three_languages(client, editor_a):
    page = client.get("/projects/import/columns/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<code lang="en">category</code>' in html and '<code lang="en">title.zh</code>' in html
    assert 'Event or festival (<code lang="en">event_festival</code>)' in html
    assert "name; latitude; longitude" in html
    assert "/projects/import/" in html
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/zones/import/columns/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "导入的各列" in html and '<code lang="en">border_tourism_pilot_area</code>' in html
    assert client.get("/widgets/import/columns/").status_code == 404

    # Linked from the import page, the catalogue (signed in) and the dashboard.
    client.cookies["django_language"] = "en"
    client.force_login(editor_a)
    assert "/projects/import/columns/" in client.get("/projects/import/").content.decode()
    assert "/zones/import/" in client.get("/zones/").content.decode()
    assert "/projects/import/" in client.get("/dashboard/").content.decode()


# --- The import's messages in the reader's language ------------------------------------------

# (language, the summary's words, the date error's words, the unknown column's words)
LANGUAGES = [
    ("en", "nothing was imported", "give a date as YYYY-MM-DD", "unknown column"),
    ("zh-hans", "未导入任何内容", "请按 YYYY-MM-DD 格式填写日期", "未知列"),
    ("ru", "ничего не импортировано", "укажите дату в виде ГГГГ-ММ-ДД", "неизвестный столбец"),
]


@pytest.mark.parametrize(("language", "summary", "date", "column"), LANGUAGES)
def test_the_imports_errors_speak_the_readers_language(
    client, org_a, editor_a, language, summary, date, column
):
    rows = rows_of("csv", "projects", 2)
    rows[1] |= {"planned_start": "next spring", "category": "volcano", "titel.en": "x"}
    client.force_login(editor_a)
    response = client.post(
        "/api/v1/projects/import/?dry_run=1",
        {"file": SimpleUploadedFile("p.csv", flat_file("csv", rows))},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    report = response.json()["report"]
    assert summary in report["summary"] and "p.csv" in report["summary"]
    found = {(error["row"], error["column"]): error["message"] for error in report["errors"]}
    assert set(found) == {(1, "titel.en"), (3, "planned_start"), (3, "category")}
    # The reader's words around what the file says: the column, the cell and the codes.
    assert (
        found[(3, "planned_start")].startswith(date)
        and "'next spring'" in found[(3, "planned_start")]
    )
    assert found[(1, "titel.en")].startswith(column) and "'titel.en'" in found[(1, "titel.en")]
    assert "(event_festival)" in found[(3, "category")] and "'volcano'" in found[(3, "category")]
    assert not imported(org_a).exists()


def test_a_refused_file_is_explained_in_the_readers_language(client, editor_a):
    client.force_login(editor_a)
    response = client.post(
        "/api/v1/projects/import/",
        {"file": SimpleUploadedFile("p.csv", b"\xff\xfet\x00i\x00")},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Файл p.csv в кодировке UTF-16")
