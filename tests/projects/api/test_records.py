"""Record endpoints: shapes, create / edit / delete through the services, and bad input."""

import pytest
from rest_framework.test import APIClient

from projects.models import Contact, Project, Zone
from tests.factories import MembershipFactory
from tests.projects.api.conftest import issue, published
from tests.projects.factories import contact_data, create, project_data, zone_data

MODELS = {"projects": Project, "zones": Zone, "contacts": Contact}
DATA = {"projects": project_data, "zones": zone_data, "contacts": contact_data}


def count(model):
    return model.objects.unscoped("test: count rows").count()


@pytest.mark.parametrize("kind", MODELS)
def test_create_read_edit_delete(kind, session_client, org_a, editor_a):
    client = session_client(editor_a)
    response = client.post(f"/api/v1/{kind}/", {**DATA[kind](), "ref": "NEW-1"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    identifier = "CN-XIAN-NEW-1"
    assert body["identifier"] == identifier and body["organization"] == "xian"
    assert body["workflow_state"] == "draft" and body["version"] == 1
    assert response["Location"].endswith(f"/api/v1/{kind}/{identifier}/")
    assert response["ETag"].startswith('"1-')
    for name in ("created_at", "updated_at", "published_at", "pending_revision"):
        assert name in body
    detail = client.get(f"/api/v1/{kind}/{identifier}/")
    assert detail.status_code == 200 and detail.json() == body
    patched = client.patch(f"/api/v1/{kind}/{identifier}/", {"tags": ["edited"]}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["tags"] == ["edited"] and patched.json()["version"] == 2
    history = client.get(f"/api/v1/{kind}/{identifier}/history/").json()["results"]
    assert [entry["action"] for entry in history] == ["create", "update"]
    assert history[1]["changed_fields"] == ["tags"] and history[1]["actor"] == "editor-a"
    assert client.delete(f"/api/v1/{kind}/{identifier}/").status_code == 204
    assert client.get(f"/api/v1/{kind}/{identifier}/").status_code == 404


def test_project_shape_has_spec_fields(session_client, org_a, editor_a):
    zone = published(Zone, org_a, editor_a, ref="ZONE-1")
    project = create(Project, org_a, editor_a, ref="P-1", zones=[zone.identifier])
    body = session_client(editor_a).get(f"/api/v1/projects/{project.identifier}/").json()
    assert body["title"] == {
        "en": "Xi'an-Almaty cultural tourism train",
        "zh": "西安至阿拉木图文旅专列",
    }
    assert body["countries"] == ["CN", "KZ"]
    assert body["zones"] == [zone.identifier]
    assert body["locations"][0] == {"name": "Xi'an", "lat": 34.34, "lon": 108.94}
    assert body["budget_amount"] == "1500000.00" and body["budget_currency"] == "CNY"
    assert body["participants"] == [] and body["related_projects"] == []


def test_outsider_sees_published_content_members_see_pending_revision(
    api, session_client, org_a, editor_a
):
    record = published(Project, org_a, editor_a, ref="PUB")
    client = session_client(editor_a)
    response = client.patch(
        f"/api/v1/projects/{record.identifier}/", {"title": {"en": "Renamed"}}, format="json"
    )
    assert response.status_code == 200, response.content
    mine = response.json()
    assert mine["title"]["en"] == "Xi'an-Almaty cultural tourism train"
    assert mine["pending_revision"]["state"] == "draft"
    assert mine["pending_revision"]["content"]["title"] == {"en": "Renamed"}
    public = api.get(f"/api/v1/projects/{record.identifier}/").json()
    assert public["title"]["en"] == "Xi'an-Almaty cultural tourism train"
    assert public["pending_revision"] is None
    listed = api.get("/api/v1/projects/").json()["results"]
    assert listed[0]["pending_revision"] is None


def test_session_user_with_several_orgs_picks_by_query(session_client, org_a, org_b, editor_a):
    MembershipFactory(organization=org_b, user=editor_a, role="editor")
    client = session_client(editor_a)
    response = client.post(
        "/api/v1/zones/?organization=almaty", {**zone_data(), "ref": "Z"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["identifier"] == "KZ-ALA-Z"
    response = client.post(
        "/api/v1/zones/?organization=nowhere", {**zone_data(), "ref": "Z2"}, format="json"
    )
    assert response.status_code == 400 and "organization" in response.json()["errors"]


def test_first_org_where_editor_is_the_default(session_client, org_a, org_b):
    from tests.factories import member

    user = member(org_b, "viewer")
    MembershipFactory(organization=org_a, user=user, role="editor")
    response = session_client(user).post("/api/v1/zones/", zone_data(), format="json")
    assert response.status_code == 201
    assert response.json()["organization"] == "xian"


def test_body_naming_another_organization_is_refused(session_client, org_a, org_b, editor_a):
    client = session_client(editor_a)
    response = client.post(
        "/api/v1/projects/", {**project_data(), "organization": "almaty"}, format="json"
    )
    assert response.status_code == 400
    assert "organization" in response.json()["errors"]
    same = client.post(
        "/api/v1/projects/", {**project_data(), "organization": "xian"}, format="json"
    )
    assert same.status_code == 201
    record = same.json()["identifier"]
    patch = client.patch(f"/api/v1/projects/{record}/", {"organization": "almaty"}, format="json")
    assert patch.status_code == 400
    assert count(Project) == 1


BAD_BODIES = [
    ({**project_data(), "colour": "red"}, "colour"),
    ({**project_data(), "title": "not an object"}, "title"),
    ({**project_data(), "countries": ["XX"]}, "countries"),
    ({**project_data(), "category": "space_travel"}, "category"),
    ({**project_data(), "planned_start": 2025}, "planned_start"),
    ({**project_data(), "budget_amount": "lots"}, "budget_amount"),
    ({**project_data(), "locations": [{"name": "X", "lat": 100, "lon": 0}]}, "locations"),
    ({**project_data(), "identifier": "CN-XIAN-MINE"}, "identifier"),
    ({**project_data(), "ref": "bad ref!"}, "ref"),
    ({**project_data(), "zones": ["KZ-ALA-NOPE"]}, "zones"),
    ([project_data()], "non_field_errors"),
]


@pytest.mark.parametrize("body, field", BAD_BODIES)
def test_bad_bodies_are_400_naming_the_field(session_client, org_a, editor_a, body, field):
    response = session_client(editor_a).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert field in payload["errors"] and payload["code"] == "invalid"
    assert count(Project) == 0


def test_malformed_json_is_400(session_client, org_a, editor_a):
    response = session_client(editor_a).post(
        "/api/v1/projects/", data='{"title": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_non_json_body_is_415(session_client, org_a, editor_a):
    response = session_client(editor_a).post(
        "/api/v1/projects/", data="title=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_huge_body_is_413(session_client, settings, org_a, editor_a):
    settings.API_MAX_BODY_BYTES = 1000
    body = {**project_data(), "description": {"en": "x" * 2000}}
    response = session_client(editor_a).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 413
    assert count(Project) == 0


def test_anonymous_cannot_create(api, org_a):
    response = api.post("/api/v1/projects/", project_data(), format="json")
    assert response.status_code == 401


def test_viewer_cannot_create_or_edit(session_client, org_a, editor_a):
    from tests.factories import member

    viewer = member(org_a, "viewer")
    record = create(Project, org_a, editor_a, ref="P")
    client = session_client(viewer)
    assert client.post("/api/v1/projects/", project_data(), format="json").status_code == 403
    response = client.patch(f"/api/v1/projects/{record.identifier}/", {"tags": []}, format="json")
    assert response.status_code == 403
    assert client.delete(f"/api/v1/projects/{record.identifier}/").status_code == 403


def test_ref_cannot_change_and_submitted_is_locked(session_client, org_a, editor_a):
    from tests.projects.factories import place_in_state

    record = create(Project, org_a, editor_a, ref="P")
    client = session_client(editor_a)
    url = f"/api/v1/projects/{record.identifier}/"
    assert client.patch(url, {"ref": "Q"}, format="json").status_code == 400
    place_in_state(record, "submitted")
    locked = client.patch(url, {"tags": ["x"]}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "record_locked"
    assert client.delete(url).status_code == 409


def test_stale_if_match_is_412_and_changes_nothing(session_client, org_a, editor_a):
    record = create(Project, org_a, editor_a, ref="P")
    client = session_client(editor_a)
    url = f"/api/v1/projects/{record.identifier}/"
    etag = client.get(url)["ETag"]
    assert (
        client.patch(url, {"tags": ["one"]}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    stale = client.patch(url, {"tags": ["two"]}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert client.get(url).json()["tags"] == ["one"]
    assert (
        client.patch(url, {"tags": ["x"]}, format="json", HTTP_IF_MATCH="garbage").status_code
        == 412
    )
    body_version = client.patch(url, {"tags": ["x"], "version": 1}, format="json")
    assert body_version.status_code == 412
    bad_version = client.patch(url, {"tags": ["x"], "version": "one"}, format="json")
    assert bad_version.status_code == 400


def test_unknown_query_parameter_is_400(api, db):
    response = api.get("/api/v1/projects/?countri=KZ")
    assert response.status_code == 400
    assert "countri" in response.json()["errors"]
    assert api.get("/api/v1/projects/CN-X-1/?country=KZ").status_code == 400


def test_unknown_api_url_is_json_404(api, org_a, editor_a):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    no_slash = api.get("/api/v1/projects")
    assert no_slash.status_code == 404 and "end with a slash" in no_slash.json()["detail"]
    # A key-authenticated POST to an unknown URL is a JSON 404 too, not a CSRF page.
    _, raw = issue(editor_a, org_a)
    strict = APIClient(enforce_csrf_checks=True)
    strict.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert strict.post("/api/v1/nothing-here/", {}, format="json").status_code == 404
    created = strict.post("/api/v1/zones/", zone_data(), format="json")
    assert created.status_code == 201


def test_api_root_links_every_collection(api, db):
    body = api.get("/api/v1/").json()
    for name in ("organizations", "projects", "zones", "contacts", "changes", "stats"):
        assert body[name].startswith("http://testserver/api/v1/")


def test_write_key_may_create(api, org_a, editor_a):
    _, raw = issue(editor_a, org_a, "read,write")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.post("/api/v1/contacts/", contact_data(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == "xian"


def test_create_keeps_its_contract_drafts_on_the_pages_may_lack_more(
    session_client, org_a, editor_a
):
    """Issue 18: the pages save a draft with its title only; the API keeps its published
    contract (title, category and countries required at creation, docs/openapi-v1.json) and
    refuses to empty them."""
    client = session_client(editor_a)
    response = client.post("/api/v1/projects/", {"title": {"en": "Only a title"}}, format="json")
    assert response.status_code == 400
    assert {"category", "countries"} <= set(response.json()["errors"])
    created = client.post("/api/v1/projects/", project_data(), format="json").json()
    url = f"/api/v1/projects/{created['identifier']}/"
    emptied = client.patch(url, {"category": "", "countries": []}, format="json")
    assert emptied.status_code == 400
    assert {"category", "countries"} <= set(emptied.json()["errors"])
