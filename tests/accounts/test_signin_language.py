"""Signing in switches the site to the person's saved language (issue 17: User.language, set on
the profile), after the password alone or after the second factor; their saved language wins
over one picked before signing in; a failed sign-in changes nothing."""

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import DEFAULT_PASSWORD, member

COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def no_device_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def russian_editor(org_a):
    return member(org_a, "editor", username="nadezhda", language="ru")


def sign_in(client, user, password=DEFAULT_PASSWORD):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def assert_russian_dashboard(client):
    page = client.get("/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ru">' in html and "Выйти" in html and "Sign out" not in html


def test_a_russian_speaking_user_signs_in_and_the_dashboard_is_in_russian(russian_editor):
    browser = Client()
    english = browser.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in english  # a visitor without a choice sees the default
    done = sign_in(browser, russian_editor)
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert browser.cookies[COOKIE].value == "ru"
    assert_russian_dashboard(browser)


def test_the_saved_language_wins_over_one_picked_before_signing_in(russian_editor):
    browser = Client()
    browser.cookies[COOKIE] = "zh-hans"
    assert '<html lang="zh-hans">' in browser.get("/accounts/login/").content.decode()
    sign_in(browser, russian_editor)
    assert browser.cookies[COOKIE].value == "ru"
    assert_russian_dashboard(browser)


def test_an_english_user_who_browsed_in_russian_gets_english_back(editor_a):
    assert editor_a.language == "en"
    browser = Client()
    browser.cookies[COOKIE] = "ru"
    sign_in(browser, editor_a)
    assert browser.cookies[COOKIE].value == "en"
    html = browser.get("/dashboard/").content.decode()
    assert '<html lang="en">' in html and "Sign out" in html


def test_the_language_switches_only_after_the_second_factor(russian_editor):
    device = TOTPDevice.objects.create(user=russian_editor, name="phone", confirmed=True)
    browser = Client()
    step = sign_in(browser, russian_editor)
    assert step["Location"] == "/accounts/two-factor/verify/"
    assert COOKIE not in browser.cookies  # nobody is signed in yet: nothing is told
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    done = browser.post("/accounts/two-factor/verify/", {"code": f"{totp.token():06d}"})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert browser.cookies[COOKIE].value == "ru"
    assert_russian_dashboard(browser)


def test_a_failed_sign_in_changes_no_language(russian_editor):
    browser = Client()
    refused = sign_in(browser, russian_editor, password="not-the-password")
    assert refused.status_code == 200 and COOKIE not in browser.cookies
    assert '<html lang="en">' in refused.content.decode()


def test_a_newcomer_who_joins_in_russian_keeps_russian_at_the_next_sign_in(
    org_a, admin_a, django_capture_on_commit_callbacks
):
    """The account made on an invitation's page takes the language it was made in: otherwise
    the next sign-in would switch a Russian newcomer to the default, English."""
    from django.core import mail

    from accounts.models import User
    from tests.accounts.test_invitations import NEW_PASSWORD, invite, link_in, path_of

    inviter = Client()
    inviter.force_login(admin_a)
    invite(inviter, django_capture_on_commit_callbacks, "olga@example.org", "editor")
    newcomer = Client()
    newcomer.cookies[COOKIE] = "ru"
    good = {"username": "olga", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert newcomer.post(path_of(link_in(mail.outbox[0])), good).status_code == 302
    assert User.objects.get(username="olga").language == "ru"
    later = Client()  # another computer, no language chosen
    later.post("/accounts/login/", {"username": "olga", "password": NEW_PASSWORD})
    assert_russian_dashboard(later)


def test_an_account_made_by_an_operator_keeps_the_default_language(db):
    from accounts.domain import services

    assert services.create_user("plain", "plain@example.org", "Caravan-Serai-2026").language == "en"
    odd = services.create_user("odd", "odd@example.org", "Caravan-Serai-2026", language="xx")
    assert odd.language == "en"
