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


# --- Deep nesting and oversized bodies: a JSON 400 / 413 on every endpoint, never a 500 ---------

NESTED = "[" * 5000
BODY_URLS = [
    ("post", "/api/v1/projects/"),
    ("patch", "/api/v1/projects/{id}/"),
    ("post", "/api/v1/projects/{id}/submit/"),
    ("post", "/api/v1/projects/{id}/participants/"),
    ("post", "/api/v1/api-keys/"),
    ("post", "/api/v1/sister-city-links/"),
]
# Endpoints that refuse an anonymous caller before reading the body.
SIGN_IN_FIRST = {"/api/v1/projects/", "/api/v1/api-keys/", "/api/v1/sister-city-links/"}


@pytest.fixture
def targets(org_a, editor_a):
    """A published project (anyone reaches its endpoints) and a draft (its editor does)."""
    from tests.projects.api.conftest import published

    return {
        "anonymous": published(Project, org_a, editor_a, ref="PUB"),
        "editor": create(Project, org_a, editor_a, ref="DRAFT"),
    }


def send(client, method, url, body: bytes | str):
    return getattr(client, method)(url, data=body, content_type="application/json")


@pytest.mark.parametrize("method, url", BODY_URLS)
@pytest.mark.parametrize("who", ["anonymous", "editor"])
@pytest.mark.parametrize("body", [NESTED, "[" * 33 + "]" * 33, '{"a":' * 40 + "1" + "}" * 40])
def test_deeply_nested_bodies_are_400_json(
    api, session_client, editor_a, targets, method, url, who, body
):
    client = api if who == "anonymous" else session_client(editor_a)
    response = send(client, method, url.format(id=targets[who].identifier), body)
    assert response["Content-Type"].startswith("application/json")
    if who == "anonymous" and url in SIGN_IN_FIRST:
        assert response.status_code == 401  # refused before the body is read
        return
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["code"] == "parse_error"
    assert "nested more than 32 levels" in response.json()["detail"]


def test_nesting_up_to_the_limit_is_parsed(session_client, editor_a, targets):
    # 32 levels is within the limit: the body is read, and refused for what it says instead.
    body = '{"title":' + "[" * 31 + "]" * 31 + "}"
    response = send(session_client(editor_a), "post", "/api/v1/projects/", body)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


@pytest.mark.parametrize("size", [1_000_001, 2_700_000, 10_000_000])
@pytest.mark.parametrize("method, url", BODY_URLS[1:3])
@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_every_body_over_the_limit_is_a_json_413(
    api, session_client, editor_a, targets, size, method, url, who
):
    client = api if who == "anonymous" else session_client(editor_a)
    body = b'{"comment": "' + b"x" * size + b'"}'
    response = send(client, method, url.format(id=targets[who].identifier), body)
    assert response.status_code == 413, (size, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "payload_too_large"


def test_a_page_form_over_the_limit_is_a_413_page(client, db):
    response = client.post(
        "/accounts/login/",
        data=b"username=a&password=" + b"x" * 3_000_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Too much data" in response.content.decode()


def test_oversized_bodies_are_refused_before_they_are_read_in_debug_mode_too(
    api, client, settings, targets
):
    # With DEBUG on, Django answers its own RequestDataTooBig with a debug page, not the
    # registry's handler: the size is checked from Content-Length before anything reads it.
    settings.DEBUG = True
    url = f"/api/v1/projects/{targets['anonymous'].identifier}/submit/"
    response = send(api, "post", url, b'{"comment": "' + b"x" * 3_000_000 + b'"}')
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    page = client.post(
        "/accounts/login/",
        data=b"username=a&password=" + b"x" * 3_000_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert page.status_code == 413 and "Too much data" in page.content.decode()


def test_a_multipart_form_with_oversized_fields_is_a_413_page(client, db):
    # Multipart bodies may carry files, so their size is not judged from Content-Length; Django
    # refuses the oversized text field while parsing, and that too is a 413 page.
    response = client.post("/accounts/login/", {"username": "a", "password": "x" * 3_000_000})
    assert response.status_code == 413
    assert "Too much data" in response.content.decode()
