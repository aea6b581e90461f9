"""Throttling per key and per anonymous address, with Retry-After (SPEC 6)."""

from rest_framework.test import APIClient

from tests.projects.api.conftest import issue


def test_anonymous_clients_are_throttled_per_address(api, settings, db):
    settings.API_THROTTLE_RATES = {"anon": "3/minute", "key": "100/minute", "user": "100/minute"}
    for _ in range(3):
        assert api.get("/api/v1/projects/").status_code == 200
    response = api.get("/api/v1/projects/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    assert other.get("/api/v1/projects/").status_code == 200


def test_keys_are_throttled_each_on_its_own(settings, org_a, editor_a):
    settings.API_THROTTLE_RATES = {"anon": "100/minute", "key": "2/minute", "user": "100/minute"}
    clients = []
    for _ in range(2):
        _, raw = issue(editor_a, org_a, "read")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        clients.append(client)
    first, second = clients
    assert [first.get("/api/v1/zones/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/zones/").status_code == 200
    assert "Retry-After" in first.get("/api/v1/zones/")


def test_signed_in_users_are_throttled(settings, session_client, editor_a):
    settings.API_THROTTLE_RATES = {"anon": "100/minute", "key": "100/minute", "user": "1/minute"}
    client = session_client(editor_a)
    assert client.get("/api/v1/stats/").status_code == 200
    assert client.get("/api/v1/stats/").status_code == 429
