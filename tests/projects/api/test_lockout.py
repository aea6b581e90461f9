"""Brute force: sign-in locks out per username and per address, API keys per address, and every
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


def test_five_wrong_passwords_lock_the_username_out_even_for_the_right_one(client, person):
    statuses = [sign_in(client, person.username, f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = sign_in(client, person.username, PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    page = locked.content.decode()
    assert "Too many failed sign-in attempts" in page and "30 minutes" in page
    assert locked["Retry-After"] == str(30 * 60)
    assert 'name="username"' in page  # the sign-in page itself, with its form
    # Per username: another address does not help.
    assert sign_in(client, person.username, PASSWORD, address="10.9.9.9").status_code == 429


def test_five_failures_lock_the_address_out_whatever_the_username(client, person):
    for i in range(5):
        sign_in(client, f"guess-{i}", "whatever")
    assert sign_in(client, person.username, PASSWORD).status_code == 429
    # Another address may still sign in as the same person.
    other = sign_in(client, person.username, PASSWORD, address="10.2.2.2")
    assert other.status_code == 302


def test_the_limit_is_a_setting(client, person, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert [sign_in(client, person.username, "x").status_code for _ in range(2)] == [200, 429]


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
