"""The sign-in lockout stops guessing, not people (issue 17, finding 1; accounts.domain.lockout).

Driven as an attacker would: through the sign-in page, with Django's test client standing in
for browsers (each client keeps its own cookies) and REMOTE_ADDR for where they are.
"""

import pytest
from django.core import signing
from django.test import Client

from accounts.domain import lockout
from accounts.models import SecurityEvent
from tests.factories import member

PASSWORD = "amber-caravan-1907"
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.10"


def sign_in(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


@pytest.fixture
def people(org_a):
    """The victim and two colleagues, all at the Xi'an office, all with the same password."""
    names = ["victim", "colleague-1", "colleague-2"]
    users = {}
    for name in names:
        user = member(org_a, "editor", username=name)
        user.set_password(PASSWORD)
        user.save()
        users[name] = user
    return users


def test_an_attacker_locks_out_only_themselves(people, settings):
    """One address locked, then the victim's username, then the office's address: the real user
    in their own browser and the colleagues behind the office address still sign in."""
    settings.LOCKOUT_FAILURES = 5
    settings.LOCKOUT_ADDRESS_FAILURES = 12
    # The victim signed in yesterday from the office: their browser holds a device cookie.
    victim_browser = Client()
    assert signed_in(sign_in(victim_browser, "victim", PASSWORD, OFFICE))
    assert victim_browser.cookies[lockout.DEVICE_COOKIE]["httponly"]
    victim_browser.post("/accounts/logout/")

    # 1. The attacker's own address: many usernames guessed, until the address is refused.
    attacker = Client()
    statuses = [
        sign_in(attacker, f"guess-{i}", "password1", ATTACKER).status_code for i in range(12)
    ]
    assert statuses == [200] * 11 + [429]
    # Refused requests are not counted: hammering on changes nothing for the victim.
    for _ in range(30):
        assert sign_in(attacker, "victim", "password1", ATTACKER).status_code == 429
    assert signed_in(sign_in(Client(), "victim", PASSWORD, "192.0.2.1"))

    # 2. The victim's username, guessed from five addresses, one password each.
    for i in range(5):
        sign_in(Client(), "victim", f"guess-{i}", f"192.0.2.{10 + i}")
    refused = sign_in(Client(), "victim", PASSWORD, "192.0.2.99")
    assert refused.status_code == 429 and not refused.wsgi_request.user.is_authenticated
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 30 * 60
    # ... but the victim's own browser has signed in as them before: it is not refused.
    assert signed_in(sign_in(victim_browser, "victim", PASSWORD, OFFICE))
    victim_browser.post("/accounts/logout/")

    # 3. The office's address: an insider (or malware) fails for many usernames from it.
    for i in range(11):
        sign_in(Client(), f"someone-{i}", "password1", OFFICE)
    # Eleven failures from one address lock nobody else out (axes locked it after five).
    colleague_1 = Client()
    assert signed_in(sign_in(colleague_1, "colleague-1", PASSWORD, OFFICE))
    sign_in(Client(), "someone-11", "password1", OFFICE)  # the twelfth: the address is refused
    assert sign_in(Client(), "colleague-2", PASSWORD, OFFICE).status_code == 429
    # Colleagues who signed in from their browsers before still can; so can the victim's.
    colleague_1.post("/accounts/logout/")
    assert signed_in(sign_in(colleague_1, "colleague-1", PASSWORD, OFFICE))
    assert signed_in(sign_in(victim_browser, "victim", PASSWORD, OFFICE))
    # Every lockout is in the security log, with where it came from.
    lockouts = SecurityEvent.objects.filter(kind="lockout")
    assert {e.address for e in lockouts} >= {ATTACKER, OFFICE, "192.0.2.14"}


def test_a_device_guessing_with_its_own_cookie_locks_only_itself(people):
    browser = Client()
    assert signed_in(sign_in(browser, "victim", PASSWORD, OFFICE))
    browser.post("/accounts/logout/")
    statuses = [sign_in(browser, "victim", "nope", OFFICE).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(browser, "victim", PASSWORD, OFFICE).status_code == 429
    # The username is not locked for anyone else: the guesser was one known device.
    assert signed_in(sign_in(Client(), "victim", PASSWORD, "192.0.2.50"))


def test_a_forged_or_foreign_device_cookie_is_no_key(people):
    forged = Client()
    forged.cookies[lockout.DEVICE_COOKIE] = signing.dumps(
        {"d": "x", "u": [lockout._name("victim")]}, salt="another-salt"
    )
    other_user = Client()
    assert signed_in(sign_in(other_user, "colleague-1", PASSWORD, OFFICE))  # trusted for them only
    for i in range(5):
        sign_in(Client(), "victim", f"guess-{i}", ATTACKER)
    assert sign_in(forged, "victim", PASSWORD, OFFICE).status_code == 429
    assert sign_in(other_user, "victim", PASSWORD, OFFICE).status_code == 429


def test_wrong_username_case_counts_against_the_same_username(people):
    for i in range(5):
        sign_in(Client(), "VICTIM" if i % 2 else "Victim", "nope", f"192.0.2.{i}")
    assert sign_in(Client(), "victim", PASSWORD, "192.0.2.77").status_code == 429


def test_the_limits_are_settings(people, settings):
    settings.LOCKOUT_FAILURES = 2
    assert [sign_in(Client(), "victim", "x", ATTACKER).status_code for _ in range(2)] == [200, 429]
    settings.LOCKOUT_ADDRESS_FAILURES = 3
    assert sign_in(Client(), "nobody-1", "x", OFFICE).status_code == 200
    assert sign_in(Client(), "nobody-2", "x", OFFICE).status_code == 200
    assert sign_in(Client(), "nobody-3", "x", OFFICE).status_code == 429


def test_the_refusal_is_translated(people):
    for i in range(5):
        sign_in(Client(), "victim", f"guess-{i}", ATTACKER)
    page = Client().post(
        "/accounts/login/",
        {"username": "victim", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert page.status_code == 429
    assert "Too many" not in page.content.decode() and 'name="username"' in page.content.decode()


def test_a_platform_admin_lifts_a_lockout_from_the_admin(people, platform_admin, settings):
    settings.MFA_REQUIRED_ROLES = ""
    for i in range(5):
        sign_in(Client(), "victim", f"guess-{i}", ATTACKER)
    assert sign_in(Client(), "victim", PASSWORD, "192.0.2.3").status_code == 429
    event = SecurityEvent.objects.get(kind="lockout", username="victim")
    admin = Client()
    admin.force_login(platform_admin)
    answer = admin.post(
        "/admin/accounts/securityevent/",
        {"action": "lift_lockout", "_selected_action": [event.pk]},
    )
    assert answer.status_code == 302
    assert signed_in(sign_in(Client(), "victim", PASSWORD, "192.0.2.3"))
    assert SecurityEvent.objects.filter(detail__startswith="lockout lifted by").count() == 1


def test_an_anonymous_visitor_cannot_lift_a_lockout(people):
    for i in range(5):
        sign_in(Client(), "victim", f"guess-{i}", ATTACKER)
    event = SecurityEvent.objects.get(kind="lockout", username="victim")
    answer = Client().post(
        "/admin/accounts/securityevent/",
        {"action": "lift_lockout", "_selected_action": [event.pk]},
    )
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert Client().get(answer["Location"])["Location"].startswith("/accounts/login/?next=")
    assert sign_in(Client(), "victim", PASSWORD, "192.0.2.3").status_code == 429


def test_an_operator_lifts_a_lockout_with_a_command(people, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.LOCKOUT_ADDRESS_FAILURES = 3
    for i in range(5):
        sign_in(Client(), "victim", f"guess-{i}", f"192.0.2.{20 + i}")
    for i in range(3):
        sign_in(Client(), f"guess-{i}", "password1", ATTACKER)
    assert sign_in(Client(), "victim", PASSWORD, "192.0.2.3").status_code == 429
    assert sign_in(Client(), "colleague-1", PASSWORD, ATTACKER).status_code == 429
    with pytest.raises(CommandError):
        call_command("lift_lockout", stdout=StringIO())
    call_command("lift_lockout", username="victim", address=ATTACKER, stdout=StringIO())
    assert signed_in(sign_in(Client(), "victim", PASSWORD, "192.0.2.3"))
    assert signed_in(sign_in(Client(), "colleague-1", PASSWORD, ATTACKER))
    assert SecurityEvent.objects.filter(detail__contains="lift_lockout").count() == 1
