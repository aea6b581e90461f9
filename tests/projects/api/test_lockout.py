"""Brute force: API keys lock out per address (sign-in: tests/accounts/test_lockout.py), and every
sign-in, failed sign-in and lockout is in the append-only security event log."""

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError, OperationalError
from rest_framework.test import APIClient

from accounts.models import SecurityEvent
from tests.projects.api.conftest import issue

PASSWORD = "amber-caravan-1907"
REFUSED = (IntegrityError, InternalError, OperationalError)


@pytest.fixture
def person(editor_a):
    editor_a.set_password(PASSWORD)
    editor_a.save()
    return editor_a


def sign_in(client, username, password, address="10.1.1.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def kinds(**filters) -> list[str]:
    events = SecurityEvent.objects.filter(**filters).order_by("id")
    return list(events.values_list("kind", flat=True))


# Sign-in lockout itself: tests/accounts/test_lockout.py (issue 17).


def test_sign_ins_failures_and_lockouts_are_logged(client, person):
    assert sign_in(client, person.username, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for i in range(5):
        sign_in(client, "nobody-by-that-name", f"wrong-{i}", address="10.3.3.3")
    assert kinds(kind="login") == ["login"]
    login = SecurityEvent.objects.get(kind="login")
    assert (login.user, login.address, login.path) == (person, "10.1.1.1", "/accounts/login/")
    failures = SecurityEvent.objects.filter(kind="login_failed")
    assert failures.count() == 5
    assert set(failures.values_list("username", "address")) == {("nobody-by-that-name", "10.3.3.3")}
    lockout = SecurityEvent.objects.get(kind="lockout")
    assert lockout.username == "nobody-by-that-name" and lockout.address == "10.3.3.3"
    assert not SecurityEvent.objects.filter(detail__contains="wrong-").exists()  # no passwords


def test_the_security_event_log_is_append_only(client, person):
    sign_in(client, person.username, PASSWORD)
    event = SecurityEvent.objects.get()
    table = SecurityEvent._meta.db_table
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET username = %s WHERE id = %s", ["forged", event.pk])
    with pytest.raises(REFUSED), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.username == person.username


# --- API keys: refused keys are counted per address ---------------------------------------------


def with_key(raw, address="10.4.4.4"):
    return APIClient().get(
        "/api/v1/projects/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address
    )


def test_five_refused_keys_lock_the_address_out(org_a, editor_a):
    _, good = issue(editor_a, org_a)
    statuses = [with_key(f"srr_ABCDEFG{i}_guess").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = with_key(good)  # even a valid key, from that address, for now
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "locked_out" and "Too many refused API keys" in body["detail"]
    assert 0 < int(locked["Retry-After"]) <= 30 * 60
    assert with_key(good, address="10.5.5.5").status_code == 200
    # Requests without a key are not what is locked out.
    assert APIClient().get("/api/v1/projects/", REMOTE_ADDR="10.4.4.4").status_code == 200
    assert kinds(kind="api_key_failed").count("api_key_failed") == 5
    assert SecurityEvent.objects.get(kind="api_key_lockout").address == "10.4.4.4"


def test_a_forged_forwarded_for_does_not_escape_the_key_lockout(org_a, editor_a):
    for i in range(5):
        APIClient().get(
            "/api/v1/projects/",
            HTTP_AUTHORIZATION=f"Bearer srr_ABCDEFG{i}_guess",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
            REMOTE_ADDR="10.6.6.6",
        )
    assert with_key("srr_ABCDEFGH_guess", address="10.6.6.6").status_code == 429


def test_the_key_lockout_follows_the_settings(org_a, editor_a, settings):
    settings.LOCKOUT_FAILURES = 2
    statuses = [with_key(f"srr_ABCDEFG{i}_guess").status_code for i in range(2)]
    assert statuses == [401, 429]
