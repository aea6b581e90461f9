"""The health probes: /healthz (the process is up) and /readyz (the database answers)."""

import pytest
from django.db import DatabaseError, connection, transaction


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    # No DATABASE_REPLICA_URLS here: no replica to report (tests/registry/replicas/ has some).
    assert response.json() == {"status": "ok", "database": "ok", "replicas": {}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_probes_only_answer_get(client, url):
    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_readyz_is_503_not_500_when_the_database_cannot_answer(client):
    """A connection whose transaction broke cannot run queries: not ready, and no 500."""
    with transaction.atomic():
        try:
            with transaction.atomic(savepoint=False), connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_for_readyz")
        except DatabaseError:
            pass
        assert connection.needs_rollback
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"]
