"""Issue 17's probe findings 2, 4 and 5 on the import: each failed on main."""

import io
import re

from rest_framework.test import APIClient

from tests.projects.io.conftest import body, file_of, flat_file, rows_of
from tests.projects.io.test_bad_input import BILLION_LAUGHS, _with_sheet

NESTED = b"[" * 100_000


def upload(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


def kept_uploads(settings) -> list:
    folder = settings.IMPORT_UPLOAD_DIR / "registry-imports"
    return sorted(folder.glob("**/*.upload")) if folder.exists() else []


# --- Finding 2: deeply nested JSON ----------------------------------------------------------


def test_a_deeply_nested_json_file_is_refused_with_400_on_the_api(org_a, editor_a):
    client = APIClient()
    client.force_login(editor_a)
    response = client.post(
        "/api/v1/projects/import/?dry_run=1",
        {"file": upload(NESTED, "deep.json")},
        format="multipart",
    )
    assert response.status_code == 400
    answer = response.json()
    assert "nested" in answer["detail"] and "deep.json" in answer["detail"]


def test_a_deeply_nested_json_record_inside_an_object_is_refused(org_a, editor_a):
    client = APIClient()
    client.force_login(editor_a)
    data = b'[{"title": {"en": ' + b"[" * 100_000
    response = client.post(
        "/api/v1/projects/import/?dry_run=1",
        {"file": upload(data, "deep.json")},
        format="multipart",
    )
    assert response.status_code == 400 and "nested" in response.json()["detail"]


def test_a_deeply_nested_json_file_is_refused_whole_on_the_page(
    settings, tmp_path, client, org_a, editor_a
):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    client.force_login(editor_a)
    response = client.post("/projects/import/", {"file": upload(NESTED, "deep.json")})
    html = body(response).decode()
    assert "nested" in html and "Nothing was imported." in html
    assert "</html>" in html  # the streamed page is whole


# --- Finding 4: refused uploads do not stay on disk ------------------------------------------


def test_refused_page_uploads_are_deleted(settings, tmp_path, client, org_a, editor_a):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    client.force_login(editor_a)
    rows = rows_of("csv", "zones", 2)
    rows[1]["kind"] = "volcano"
    for data, name in (
        (flat_file("csv", rows), "rows.csv"),  # row errors
        (b"\xd0\xcf\x11\xe0" + b"x" * 100, "old.xlsx"),  # refused whole
        (NESTED, "deep.json"),
    ):
        html = body(client.post("/zones/import/", {"file": upload(data, name)})).decode()
        assert 'name="token"' not in html
    assert kept_uploads(settings) == []
    assert client.session.get("pending_imports", {}) == {}


def test_each_person_keeps_only_a_few_uploads(settings, tmp_path, client, org_a, editor_a):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    settings.IMPORT_MAX_PENDING_UPLOADS = 2
    client.force_login(editor_a)
    tokens = []
    for number in range(4):
        data = file_of("csv", "projects", 1, start=number)
        html = body(client.post("/projects/import/", {"file": upload(data, "p.csv")})).decode()
        tokens.append(re.search(r'name="token" value="([^"]+)"', html).group(1))
    kept = kept_uploads(settings)
    assert len(kept) == 2
    assert {path.stem for path in kept} == set(tokens[-2:])  # the latest ones
    assert set(client.session["pending_imports"]) == set(tokens[-2:])
    # The newest still imports; an evicted one sends the person back to the form.
    assert client.post("/projects/import/confirm/", {"token": tokens[0]}).status_code == 302
    html = body(client.post("/projects/import/confirm/", {"token": tokens[-1]})).decode()
    assert "1 were created" in html
    assert len(kept_uploads(settings)) == 1


# --- Finding 5: no server path in an error ---------------------------------------------------


def test_no_server_path_in_import_errors(settings, tmp_path, client, org_a, editor_a):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    hidden = BILLION_LAUGHS.replace(
        '<?xml version="1.0"?>', '<?xml version="1.0"?><!--' + "x" * 5000 + "-->"
    )
    data = _with_sheet(hidden)
    client.force_login(editor_a)
    html = body(client.post("/projects/import/", {"file": upload(data, "hidden.xlsx")})).decode()
    assert "hidden.xlsx" in html and "Nothing was imported." in html
    assert str(tmp_path) not in html and ".upload" not in html and "registry-imports" not in html
    assert "DTD" in html  # refused for what it is
    api = APIClient()
    api.force_login(editor_a)
    response = api.post(
        "/api/v1/projects/import/?dry_run=1",
        {"file": upload(data, "hidden.xlsx")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "/" not in response.json()["detail"].replace("hidden.xlsx", "")
