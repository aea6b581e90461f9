"""The tenant boundary over HTTP (SPEC 3): for a member of B, A's non-public rows do not exist.

They are absent from lists, searches, CSV and GeoJSON, the changes feed and the statistics; every
URL of them answers 404; and naming them in a request body is refused like an unknown identifier.
"""

import csv
import io

import pytest
from rest_framework.test import APIClient

from projects.domain.workflow import TRANSITIONS
from projects.models import Contact, Project, Zone
from tests.projects.api.conftest import issue, published
from tests.projects.factories import contact_data, create, place_in_state, project_data

MODELS = (Project, Zone, Contact)
NON_PUBLIC = ("draft", "pending_signoff", "submitted", "changes_requested", "rejected")


@pytest.fixture(params=["session", "key"])
def b_client(request, org_b, editor_b):
    client = APIClient()
    if request.param == "session":
        client.force_login(editor_b)
    else:
        _, raw = issue(editor_b, org_b, "read,write")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def hidden(org_a, editor_a):
    """One non-public record of A per type and state, plus a public one to prove lists work."""
    rows = {}
    for model in MODELS:
        for state in NON_PUBLIC:
            record = create(model, org_a, editor_a, ref=f"{model.__name__[0]}-{state}")
            rows[(model, state)] = place_in_state(record, state)
        rows[(model, "published")] = published(
            model, org_a, editor_a, ref=f"{model.__name__[0]}-PUB"
        )
    return rows


def hidden_identifiers(hidden, model):
    return {
        record.identifier
        for (m, state), record in hidden.items()
        if m is model and state != "published"
    }


@pytest.mark.parametrize("model", MODELS)
def test_absent_from_lists_searches_and_exports(b_client, hidden, model):
    base = f"/api/v1/{model.record_type}/"
    secret = hidden_identifiers(hidden, model)
    public = hidden[(model, "published")].identifier
    listed = {row["identifier"] for row in b_client.get(base).json()["results"]}
    assert listed == {public}
    searched = b_client.get(base, {"q": f"CN-XIAN-{model.__name__[0]}"}).json()["results"]
    assert {row["identifier"] for row in searched} == {public}
    for state in NON_PUBLIC:
        assert b_client.get(base, {"workflow_state": state}).json()["results"] == []
    rows = list(csv.DictReader(io.StringIO(b_client.get(base, {"format": "csv"}).content.decode())))
    assert {row["identifier"] for row in rows} == {public}
    if model is not Contact:
        features = b_client.get(base, {"format": "geojson"}).json()["features"]
        assert {f["properties"]["identifier"] for f in features} == {public}
    assert not secret & listed


@pytest.mark.parametrize("model", MODELS)
def test_every_url_of_a_hidden_record_is_404(b_client, hidden, model):
    for state in NON_PUBLIC:
        url = f"/api/v1/{model.record_type}/{hidden[(model, state)].identifier}/"
        assert b_client.get(url).status_code == 404
        assert b_client.get(url, {"format": "csv"}).status_code == 404
        assert b_client.patch(url, {"tags": ["x"]}, format="json").status_code == 404
        assert b_client.delete(url).status_code == 404
        assert b_client.get(f"{url}history/").status_code == 404
        for action in TRANSITIONS:
            response = b_client.post(
                f"{url}{action.replace('_', '-')}/", {"comment": "x"}, format="json"
            )
            assert response.status_code == 404, (action, state, response.content)
            assert response.json() == {"detail": "Not found.", "code": "not_found"}
        if model is Project:
            assert b_client.get(f"{url}participants/").status_code == 404
            response = b_client.post(
                f"{url}participants/", {"organization": "almaty", "role": "partner"}, format="json"
            )
            assert response.status_code == 404
    # Nothing changed on the way.
    for state in NON_PUBLIC:
        record = hidden[(model, state)]
        assert type(record).objects.unscoped("test").get(pk=record.pk).workflow_state == state


def test_hidden_identifiers_in_a_body_are_refused(b_client, hidden, org_b, editor_b):
    draft_zone = hidden[(Zone, "draft")].identifier
    draft_project = hidden[(Project, "submitted")].identifier
    cases = [
        ("/api/v1/projects/", lambda z, p: project_data(zones=[z]), "zones"),
        (
            "/api/v1/projects/",
            lambda z, p: project_data(related_projects=[{"identifier": p, "kind": "parent"}]),
            "related_projects",
        ),
        ("/api/v1/contacts/", lambda z, p: contact_data(projects=[p]), "projects"),
        ("/api/v1/contacts/", lambda z, p: contact_data(zones=[z]), "zones"),
    ]
    for url, body, field in cases:
        response = b_client.post(url, body(draft_zone, draft_project), format="json")
        assert response.status_code == 400, response.content
        # The refusal reads exactly as for an identifier that does not exist.
        unknown = b_client.post(url, body("CN-XIAN-NONE", "CN-XIAN-NONE"), format="json")
        assert unknown.status_code == 400
        said = [
            message.replace(draft_zone, "?").replace(draft_project, "?")
            for message in response.json()["errors"][field]
        ]
        assert said == [m.replace("CN-XIAN-NONE", "?") for m in unknown.json()["errors"][field]]
    own = create(Project, org_b, editor_b, ref="OWN")
    response = b_client.patch(
        f"/api/v1/projects/{own.identifier}/", {"zones": [draft_zone]}, format="json"
    )
    assert response.status_code == 400 and "zones" in response.json()["errors"]
    assert Project.objects.unscoped("test").filter(organization=org_b).count() == 1


def test_hidden_rows_not_in_stats(b_client, hidden):
    stats = b_client.get("/api/v1/stats/").json()
    for model in MODELS:
        assert stats[model.record_type]["total"] == 1
        assert stats[model.record_type]["by_organization"] == {"xian": 1}


def test_hidden_record_events_not_in_changes(b_client, api, org_a, editor_a, reviewer):
    """An event whose record is no longer visible (moved back to draft) stays out of the feed."""
    record = create(Project, org_a, editor_a, ref="WAS-PUBLIC")
    client = APIClient()
    client.force_login(editor_a)
    client.post(f"/api/v1/projects/{record.identifier}/submit/")
    reviewer_client = APIClient()
    reviewer_client.force_login(reviewer)
    assert reviewer_client.post(f"/api/v1/projects/{record.identifier}/approve/").status_code == 200
    assert [e["identifier"] for e in api.get("/api/v1/changes/").json()["results"]] == [
        record.identifier
    ]
    place_in_state(record, "draft")
    assert b_client.get("/api/v1/changes/").json()["results"] == []
    assert api.get("/api/v1/changes/").json()["results"] == []
    # Its own organization still sees it.
    assert len(client.get("/api/v1/changes/").json()["results"]) == 1


def test_filters_naming_hidden_rows_are_refused_like_unknown_ones(b_client, hidden, org_a):
    draft_zone = hidden[(Zone, "draft")].identifier
    response = b_client.get("/api/v1/projects/", {"zone": draft_zone})
    unknown = b_client.get("/api/v1/projects/", {"zone": "CN-XIAN-NO-SUCH"})
    assert response.status_code == unknown.status_code == 400
    assert response.json()["errors"]["zone"][0].replace(draft_zone, "?") == unknown.json()[
        "errors"
    ]["zone"][0].replace("CN-XIAN-NO-SUCH", "?")


def test_inactive_organization_is_hidden(api, org_a):
    org_a.is_active = False
    org_a.save()
    assert api.get("/api/v1/organizations/xian/").status_code == 404
    assert "xian" not in [o["slug"] for o in api.get("/api/v1/organizations/").json()["results"]]
