"""The changes feed: publish / update / archive events in order, an opaque stable cursor."""

import json
from unittest.mock import ANY

import pytest
from django.core import signing
from rest_framework.test import APIClient

from projects.models import Project, Zone
from tests.projects.factories import create


@pytest.fixture
def clients(editor_a, admin_a, reviewer):
    made = {}
    for name, user in (("editor", editor_a), ("admin", admin_a), ("reviewer", reviewer)):
        made[name] = APIClient()
        made[name].force_login(user)
    return made


def publish(clients, record):
    url = f"/api/v1/{record.record_type}/{record.identifier}"
    assert clients["editor"].post(f"{url}/submit/").status_code == 200
    assert clients["reviewer"].post(f"{url}/approve/").status_code == 200


def events(api, since=None, **params):
    query = {"since": since, **params} if since else params
    response = api.get("/api/v1/changes/", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_feed_follows_publish_update_archive(api, clients, org_a, editor_a):
    train = create(Project, org_a, editor_a, ref="TRAIN")
    zone = create(Zone, org_a, editor_a, ref="ZONE")
    publish(clients, train)
    publish(clients, zone)
    url = f"/api/v1/projects/{train.identifier}"
    clients["editor"].patch(f"{url}/", {"title": {"en": "Renamed"}}, format="json")
    publish(clients, train)
    clients["admin"].post(f"{url}/archive/", {"comment": "season over"}, format="json")
    body = events(api)
    got = [(e["event"], e["type"], e["identifier"]) for e in body["results"]]
    assert got == [
        ("publish", "projects", train.identifier),
        ("publish", "zones", zone.identifier),
        ("update", "projects", train.identifier),
        ("archive", "projects", train.identifier),
    ]
    assert body["results"][-1]["url"].endswith(f"/api/v1/projects/{train.identifier}/")
    versions = [e["version"] for e in body["results"] if e["type"] == "projects"]
    assert versions == sorted(versions)
    # Resuming after the last cursor gives nothing new, and the same cursor back.
    cursor = body["cursor"]
    later = events(api, cursor)
    assert later["results"] == [] and later["cursor"] == cursor


def test_paging_through_the_feed(api, clients, org_a, editor_a):
    for i in range(5):
        publish(clients, create(Zone, org_a, editor_a, ref=f"Z{i}"))
    seen, body = [], events(api, page_size=2)
    while True:
        seen += [e["identifier"] for e in body["results"]]
        if not body["next"]:
            break
        body = api.get(body["next"]).json()
    assert seen == [f"CN-XIAN-Z{i}" for i in range(5)]
    # A cursor from the middle resumes exactly after its event.
    middle = events(api, page_size=2)["cursor"]
    assert [e["identifier"] for e in events(api, middle)["results"]] == seen[2:]


def test_drafts_and_reviews_are_not_events(api, clients, org_a, editor_a):
    record = create(Project, org_a, editor_a, ref="P")
    url = f"/api/v1/projects/{record.identifier}"
    clients["editor"].post(f"{url}/submit/")
    clients["reviewer"].post(f"{url}/request-changes/", {"comment": "add a date"}, format="json")
    assert events(api)["results"] == []
    assert events(api)["cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage!", "ZTE", "eHl6", "LTE", "e-1", "eyJlIjoxfQ"])
def test_bad_cursor_is_400(api, db, cursor):
    # "ZTE" is how an unsigned cursor for event 1 used to read: hand-made cursors are refused.
    response = api.get("/api/v1/changes/", {"since": cursor})
    assert response.status_code == 400
    assert "since" in response.json()["errors"]


def test_cursor_is_signed_and_a_tampered_one_is_400(api, clients, org_a, editor_a):
    publish(clients, create(Project, org_a, editor_a, ref="P"))
    cursor = events(api)["cursor"]
    assert events(api, since=cursor)["results"] == []
    payload, signature = cursor.split(":", 1)
    # The payload is readable (signed, not secret), but any change to it breaks the signature.
    assert json.loads(signing.b64_decode(payload.encode())) == {"e": ANY}
    rewound = signing.b64_encode(b'{"e":0}').decode()
    for forged in (f"{rewound}:{signature}", f"{payload}:{signature[::-1]}", payload):
        response = api.get("/api/v1/changes/", {"since": forged})
        assert response.status_code == 400, forged
        assert "since" in response.json()["errors"]


def test_bad_page_size_is_400(api, db):
    assert api.get("/api/v1/changes/", {"page_size": 1000}).status_code == 400
