"""The application itself, connected as its least-privilege database role, over HTTP.

Every request here runs under row-level security with the context the middleware states; the
setup runs through the provisioning commands, which act in the system context. If a flow needed
a row its actor's policies do not show, it would fail here (a 404, a 500 or a missing email).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from tests.projects.factories import project_data, zone_data

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

PASSWORD = "Caravanserai-on-the-silk-road-2025"


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_THROTTLE_RATES = {
        "key": "10000/minute",
        "user": "10000/minute",
        "anon": "10000/minute",
    }


def manage(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def registry(db):
    """Organizations and people, provisioned as production does (SPEC 9 commands)."""
    manage(
        "create_organization",
        slug="xian",
        name="Xi'an",
        kind="local_government",
        country="CN",
        prefix="CN-XIAN",
        requires_signoff=True,
    )
    manage(
        "create_organization",
        slug="almaty",
        name="Almaty",
        kind="local_government",
        country="KZ",
        prefix="KZ-ALA",
    )
    manage(
        "create_organization",
        slug="secretariat",
        name="Secretariat",
        kind="secretariat",
        country="CN",
        prefix="SRR",
    )
    people = {
        "editor-a": ("xian", "editor"),
        "admin-a": ("xian", "admin"),
        "admin-b": ("almaty", "admin"),
        "reviewer": ("secretariat", "viewer"),
    }
    for username, (org, role) in people.items():
        extra = {"platform_role": "reviewer"} if username == "reviewer" else {}
        manage(
            "create_user",
            username=username,
            email=f"{username}@example.org",
            password=PASSWORD,
            org=org,
            role=role,
            **extra,
        )


def signed_in(username: str) -> APIClient:
    """A client signed in through the login form."""
    client = APIClient()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.content
    return response.json() if response.content else {}


def test_the_main_flows_as_the_application_role(registry, django_capture_on_commit_callbacks):
    assert connection.settings_dict["USER"].endswith("_app")
    anonymous = APIClient()
    editor, admin_a = signed_in("editor-a"), signed_in("admin-a")
    admin_b, reviewer = signed_in("admin-b"), signed_in("reviewer")
    assert "xian" in editor.get("/").content.decode()

    # An editor creates a project and a zone (drafts: nobody outside Xi'an sees them).
    zone = ok(editor.post("/api/v1/zones/", zone_data(ref="KHORGOS"), format="json"), 201)
    project = ok(editor.post("/api/v1/projects/", project_data(ref="TRAIN"), format="json"), 201)
    url = f"/api/v1/projects/{project['identifier']}/"
    assert anonymous.get(url).status_code == 404
    assert admin_b.get(url).status_code == 404
    assert reviewer.get(url).status_code == 404
    # Almaty's try is refused, and noted in the draft's history, which Almaty may not read.
    assert admin_b.post(f"{url}submit/").status_code == 404
    history = ok(editor.get(f"{url}history/"))["results"]
    assert [entry["action"] for entry in history] == ["create", "refused"]

    # Submit (Xi'an requires sign-off), the admin signs off, the reviewer approves.
    with django_capture_on_commit_callbacks(execute=True):
        assert ok(editor.post(f"{url}submit/"))["workflow_state"] == "pending_signoff"
    assert [m.to for m in mail.outbox] == [["admin-a@example.org"]]
    assert reviewer.get(url).status_code == 404
    assert ok(admin_a.post(f"{url}signoff/"))["workflow_state"] == "submitted"
    assert (
        ok(reviewer.get("/api/v1/review-queue/"))["results"][0]["identifier"]
        == (project["identifier"])
    )
    assert ok(reviewer.post(f"{url}approve/"))["workflow_state"] == "published"

    # Anonymous lists and details, and the changes feed.
    listed = ok(anonymous.get("/api/v1/projects/"))["results"]
    assert [row["identifier"] for row in listed] == [project["identifier"]]
    assert ok(anonymous.get(url))["title"]["en"] == project_data()["title"]["en"]
    assert ok(anonymous.get("/api/v1/zones/"))["results"] == []
    events = ok(anonymous.get("/api/v1/changes/"))["results"]
    assert [(e["event"], e["identifier"]) for e in events] == [("publish", project["identifier"])]

    # A revision links the published project to Xi'an's draft zone, which the reviewer may not
    # read: approving it writes the link all the same (the system context of the approval).
    ok(editor.patch(url, {"zones": [zone["identifier"]]}, format="json"))
    ok(editor.post(f"{url}submit/"))
    ok(admin_a.post(f"{url}signoff/"))
    ok(reviewer.post(f"{url}approve/"))
    assert ok(editor.get(url))["zones"] == [zone["identifier"]]

    # An API key: made in a session, then used alone; it sees its organization's drafts.
    key = ok(
        editor.post(
            "/api/v1/api-keys/", {"name": "sync", "scopes": ["read", "write"]}, format="json"
        ),
        201,
    )["key"]
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [row["identifier"] for row in ok(partner.get("/api/v1/zones/"))["results"]] == [
        zone["identifier"]
    ]
    made = ok(
        partner.post(
            "/api/v1/contacts/",
            {"kind": "consular", "name": {"en": "Consul"}, "countries_covered": ["KZ"]},
            format="json",
        ),
        201,
    )
    assert made["organization"] == "xian"
    # A key made by that key works too (authentication checks the key that made it).
    child = ok(
        partner.post("/api/v1/api-keys/", {"name": "child", "scopes": ["read"]}, format="json"), 201
    )["key"]
    child_client = APIClient()
    child_client.credentials(HTTP_AUTHORIZATION=f"Bearer {child}")
    assert len(ok(child_client.get("/api/v1/zones/"))["results"]) == 1

    # Almaty is named as a participant of a draft project: its admin is told, and confirms,
    # although the project is not Almaty's to read through the API.
    draft = ok(editor.post("/api/v1/projects/", project_data(ref="ROUTE"), format="json"), 201)
    participants = f"/api/v1/projects/{draft['identifier']}/participants/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = ok(
            editor.post(participants, {"organization": "almaty", "role": "partner"}, format="json"),
            201,
        )
    assert [m.to for m in mail.outbox] == [["admin-b@example.org"]]
    assert admin_b.get(f"/api/v1/projects/{draft['identifier']}/").status_code == 404
    confirmed = ok(admin_b.post(f"{participants}{request['id']}/confirm/"))
    assert confirmed["status"] == "confirmed"

    # A sister-city proposal and its acceptance; then it is public.
    link = ok(admin_a.post("/api/v1/sister-city-links/", {"partner": "almaty"}, format="json"), 201)
    assert ok(anonymous.get("/api/v1/sister-city-links/"))["results"] == []
    assert ok(admin_b.post(f"/api/v1/sister-city-links/{link['id']}/accept/"))["status"] == (
        "active"
    )
    assert [row["id"] for row in ok(anonymous.get("/api/v1/sister-city-links/"))["results"]] == [
        link["id"]
    ]

    # The reviewer archives; Xi'an's admins are told, and the feed shows it to everyone.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ok(reviewer.post(f"{url}archive/", {"comment": "season over"}, format="json"))
    assert "admin-a@example.org" in {address for m in mail.outbox for address in m.to}
    events = ok(anonymous.get("/api/v1/changes/"))["results"]
    assert [e["event"] for e in events] == ["publish", "update", "archive"]
