"""Hostile input never gets a 500: NUL characters, huge numbers, odd paths (SPEC 6)."""

import pytest

from projects.models import Project
from tests.projects.factories import create, project_data

ODD_URLS = [
    "/api/v1/projects/CN-X%00/",
    "/api/v1/projects/CN-X%00/history/",
    "/api/v1/projects/?q=a%00b",
    "/api/v1/projects/?tag=a%00",
    "/api/v1/projects/?organization=a%00",
    "/api/v1/projects/?zone=a%00",
    "/api/v1/projects/?ordering=%00",
    "/api/v1/projects/?cursor=%00",
    "/api/v1/projects/?page_size=%00",
    "/api/v1/projects/?page_size=99999999999999999999999",
    "/api/v1/organizations/a%00/",
    "/api/v1/api-keys/a%00/",
    "/api/v1/changes/?since=a%00",
    "/api/v1/sister-city-links/?organization=a%00",
    "/api/v1/sister-city-links/99999999999999999999999/",
    "/api/v1/projects/CN-X-1/participants/99999999999999999999999/confirm/",
    "/api/v1/zones/%E2%9C%93/",
]


@pytest.mark.parametrize("url", ODD_URLS)
def test_odd_urls_are_4xx(api, session_client, outsider, url):
    for client in (api, session_client(outsider)):
        method = client.post if url.endswith("confirm/") else client.get
        response = method(url)
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": {"en": "a\x00b"}}, "title"),
        ({"tags": ["ok", "bad\x00"]}, "tags"),
        ({"budget_amount": 1e300}, "budget_amount"),
        ({"budget_amount": 10**40}, "budget_amount"),
        ({"planned_start": "2025-13-45"}, "planned_start"),
        ({"locations": [{"name": "X", "lat": 1e300, "lon": 0}]}, "locations"),
        ({"documents": "not a list"}, "documents"),
    ],
)
def test_hostile_bodies_are_400(session_client, org_a, editor_a, changes, field):
    response = session_client(editor_a).post(
        "/api/v1/projects/", project_data(**changes), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Project.objects.unscoped("test").exists()


@pytest.mark.parametrize("body", ['{"comment": NaN}', "[1, 2]", '"just text"', "{}{}"])
def test_odd_action_bodies_are_400(session_client, org_a, editor_a, body):
    record = create(Project, org_a, editor_a, ref="P")
    response = session_client(editor_a).post(
        f"/api/v1/projects/{record.identifier}/submit/", data=body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert Project.objects.unscoped("test").get(pk=record.pk).workflow_state == "draft"


def test_wrong_method_is_405_json(api, db):
    response = api.delete("/api/v1/projects/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/",
        "/api/v1/projects/",
        "/api/v1/projects/CN-XIAN-P/",
        "/api/v1/projects/CN-XIAN-P/submit/",
        "/api/v1/api-keys/",
        "/api/v1/changes/",
    ],
)
def test_options_answers_without_error(session_client, org_a, editor_a, url):
    create(Project, org_a, editor_a, ref="P")
    response = session_client(editor_a).options(url)
    assert response.status_code == 200, response.content


def test_spoofed_forwarded_for_does_not_escape_the_throttle(api, settings, db):
    settings.API_THROTTLE_RATES = {"anon": "2/minute", "key": "9/minute", "user": "9/minute"}
    statuses = [
        api.get("/api/v1/stats/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(3)
    ]
    assert statuses == [200, 200, 429]
