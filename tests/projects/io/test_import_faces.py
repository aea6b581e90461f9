"""The three faces of the import: the API, the command and the page with its preview."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.domain import keys
from registry.tenancy import Actor, visible
from tests.factories import member
from tests.projects.io.conftest import MODELS, body, file_of, flat_file, rows_of
from tests.test_security_headers import INLINE_SCRIPT, INLINE_STYLE

Project, Zone, Contact = MODELS["projects"], MODELS["zones"], MODELS["contacts"]


def own(model, organization):
    return visible(Actor(platform_role="platform_admin"), model).filter(organization=organization)


def upload(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


# --- API -------------------------------------------------------------------------------------


def test_api_dry_run_then_import(org_a, editor_a):
    client = APIClient()
    client.force_login(editor_a)
    data = file_of("xlsx", "zones", 2)
    response = client.post(
        "/api/v1/zones/import/?dry_run=1", {"file": upload(data, "z.xlsx")}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    report = response.json()
    assert (report["dry_run"], report["imported"], report["created"]) == (True, False, 2)
    assert report["type"] == "zones" and report["organization"] == "xian"
    assert not own(Zone, org_a).exists()

    response = client.post(
        "/api/v1/zones/import/", {"file": upload(data, "z.xlsx")}, format="multipart"
    )
    assert response.status_code == 201  # records were created
    assert response.json()["imported"] is True and own(Zone, org_a).count() == 2

    # The same file again creates nothing (each row unchanged): 200.
    response = client.post(
        "/api/v1/zones/import/", {"file": upload(data, "z.xlsx")}, format="multipart"
    )
    assert response.status_code == 200
    assert response.json()["created"] == 0


def test_api_reports_row_errors_as_400_and_imports_nothing(org_a, editor_a):
    _, raw = keys.issue_key(editor_a, org_a, name="sync", scopes="read,write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rows = rows_of("csv", "projects", 3)
    rows[2]["countries"] = "CN;Kazakhstn"  # a typo: names ("Kazakhstan") are accepted
    response = client.post(
        "/api/v1/projects/import/",
        {"file": upload(flat_file("csv", rows), "p.csv")},
        format="multipart",
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid_import" and "nothing was imported" in answer["detail"]
    (error,) = answer["report"]["errors"]
    assert (error["row"], error["identifier"], error["column"]) == (
        4,
        "CN-XIAN-TRAIN-3",
        "countries",
    )
    assert not own(Project, org_a).exists()


def test_api_refuses_bad_requests_with_clear_errors(org_a, editor_a):
    client = APIClient()
    assert client.post("/api/v1/projects/import/").status_code == 401
    client.force_login(editor_a)
    response = client.post("/api/v1/projects/import/", {}, format="multipart")
    assert response.status_code == 400 and "named 'file'" in response.json()["errors"]["file"][0]
    response = client.post("/api/v1/projects/import/", {"title": "x"}, format="json")
    assert response.status_code == 415
    response = client.post(
        "/api/v1/projects/import/?dry_run=maybe",
        {"file": upload(b"x", "p.csv")},
        format="multipart",
    )
    assert response.status_code == 400 and "dry_run" in response.json()["errors"]
    response = client.post(
        "/api/v1/projects/import/", {"file": upload(b"", "p.csv")}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["code"] == "empty_file"
    response = client.post(
        "/api/v1/projects/import/", {"file": upload(b"x", "p.pdf")}, format="multipart"
    )
    assert response.status_code == 415 and "give a .csv" in response.json()["detail"]


def test_api_import_needs_an_editor_and_the_write_scope(org_a, editor_a):
    viewer = member(org_a, "viewer")
    client = APIClient()
    client.force_login(viewer)
    data = file_of("csv", "contacts", 1)
    response = client.post(
        "/api/v1/contacts/import/", {"file": upload(data, "c.csv")}, format="multipart"
    )
    assert response.status_code == 403
    _, raw = keys.issue_key(editor_a, org_a, name="read only", scopes="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(
        "/api/v1/contacts/import/", {"file": upload(data, "c.csv")}, format="multipart"
    )
    assert response.status_code == 403 and "write scope" in response.json()["detail"]
    assert not own(Contact, org_a).exists()


# --- Command ---------------------------------------------------------------------------------


def test_command_dry_run_and_import(tmp_path, org_a, admin_a, capsys):
    path = tmp_path / "contacts.json"
    path.write_bytes(file_of("json", "contacts", 300))
    call_command("import_records", str(path), "--org", "xian", "--type", "contacts", "--dry-run")
    out, err = capsys.readouterr()
    assert "as admin-a (dry run: nothing is saved)" in err
    assert "250 rows read" in err and "300 rows read (100%)" in err
    assert "300 row(s) of contacts.json checked: 300 would be created" in out
    assert not own(Contact, org_a).exists()

    call_command("import_records", str(path), "--org", "xian", "--type", "contacts")
    assert "300 were created" in capsys.readouterr().out
    assert own(Contact, org_a).count() == 300


def test_command_lists_row_errors_and_exits_non_zero(tmp_path, org_a, editor_a, capsys):
    rows = rows_of("csv", "projects", 2)
    rows[1]["lifecycle_status"] = "dreaming"
    path = tmp_path / "p.csv"
    path.write_bytes(flat_file("csv", rows))
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_records", str(path), "--org", "xian", "--type", "projects", "--user", "editor-a"
        )
    assert "nothing was imported" in str(excinfo.value)
    assert "row 3, CN-XIAN-TRAIN-2, column lifecycle_status:" in capsys.readouterr().out
    assert not own(Project, org_a).exists()
    with pytest.raises(CommandError, match="No organization with slug 'nowhere'"):
        call_command("import_records", str(path), "--org", "nowhere", "--type", "projects")
    outsider = member(org_a, "viewer", username="watcher")
    with pytest.raises(CommandError, match="Only the owner editor may create a project"):
        call_command(
            "import_records",
            str(path),
            "--org",
            "xian",
            "--type",
            "projects",
            "--user",
            outsider.username,
        )


# --- Page ------------------------------------------------------------------------------------


def test_page_checks_previews_and_confirms(client, org_a, editor_a):
    client.force_login(editor_a)
    form = client.get("/projects/import/")
    assert form.status_code == 200
    html = form.content.decode()
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)
    assert 'type="file" name="file"' in html and "/projects/import/template.xlsx" in html

    data = file_of("csv", "projects", 3)
    response = client.post("/projects/import/", {"file": upload(data, "p.csv")})
    assert response.status_code == 200 and response.streaming
    html = body(response).decode()
    assert "<progress" in html
    assert "3 row(s) of p.csv checked: 3 would be created" in html
    assert "CN-XIAN-TRAIN-2" in html  # the preview table
    assert "</html>" in html  # the page around the stream is whole
    assert "css/import.css" in html and not INLINE_STYLE.search(html)  # the CSP holds
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert not own(Project, org_a).exists()

    response = client.post("/projects/import/confirm/", {"token": token})
    html = body(response).decode()
    assert "3 were created" in html
    assert own(Project, org_a).count() == 3
    # A token is used once.
    response = client.post("/projects/import/confirm/", {"token": token})
    assert response.status_code == 302 and own(Project, org_a).count() == 3


def test_page_shows_row_errors_and_offers_no_confirm(client, org_a, editor_a):
    client.force_login(editor_a)
    rows = rows_of("csv", "zones", 2)
    rows[1]["kind"] = "volcano"
    response = client.post("/zones/import/", {"file": upload(flat_file("csv", rows), "z.csv")})
    html = body(response).decode()
    assert "nothing was imported" in html
    assert "<td>3</td><td>CN-XIAN-ZONE-2</td><td>kind</td>" in html
    assert 'name="token"' not in html

    response = client.post("/zones/import/", {"file": upload(b"", "z.csv")})
    html = body(response).decode()
    assert "z.csv is empty" in html and "Nothing was imported." in html
    response = client.post("/zones/import/", {})
    assert response.status_code == 400 and "Choose a file" in response.content.decode()


def test_page_is_for_editors_and_admins(client, org_a):
    assert client.get("/projects/import/").status_code == 302  # to the sign-in page
    client.force_login(member(org_a, "viewer"))
    assert client.get("/projects/import/").status_code == 403
    data = file_of("csv", "projects", 1)
    assert client.post("/projects/import/", {"file": upload(data, "p.csv")}).status_code == 403
    assert client.get("/widgets/import/").status_code == 404


def test_page_refuses_an_upload_over_the_limit(settings, client, org_a, editor_a):
    settings.IMPORT_MAX_BYTES = 10_000
    client.force_login(editor_a)
    response = client.post(
        "/projects/import/", {"file": upload(file_of("csv", "projects", 100), "p.csv")}
    )
    assert response.status_code == 413
    assert not own(Project, org_a).exists()
