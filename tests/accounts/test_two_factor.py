"""Two-factor sign-in (issue 17): enrolment at /accounts/two-factor/, the code after the
password, recovery codes, MFA_REQUIRED_ROLES, the admin, API keys untouched."""

import re

import pytest
from django.conf import settings as conf
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.domain import keys, lockout, two_factor
from tests.factories import DEFAULT_PASSWORD
from tests.test_every_page import looks_english, text_nodes


@pytest.fixture(autouse=True)
def no_device_throttle(settings):
    """django-otp also slows a device down after a wrong code (1 s, doubling); these tests send
    the right code right after a wrong one, so they switch that off. The lockout still counts."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_for(device, offset=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def wrong_code(device) -> str:
    return "000000" if code_for(device) != "000000" else "111111"


def sign_in(client, user, address="10.7.7.7"):
    return client.post(
        "/accounts/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=address,
    )


def enrolled(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_enrolment_shows_the_key_and_qr_code_then_ten_recovery_codes_once(client, editor_a):
    client.force_login(editor_a)
    page = client.get("/accounts/two-factor/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Two-factor sign-in is off" in html
    device = TOTPDevice.objects.get(user=editor_a, confirmed=False)
    key = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', html).group(1)
    assert key.replace(" ", "") in device.config_url and device.config_url.startswith("otpauth://")
    # The same pending key until confirmed: reloading does not change what was scanned.
    assert key in client.get("/accounts/two-factor/").content.decode()
    wrong = client.post("/accounts/two-factor/", {"action": "confirm", "code": wrong_code(device)})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    done = client.post("/accounts/two-factor/", {"action": "confirm", "code": code_for(device)})
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert done["Cache-Control"].count("no-store") == 1
    again = client.get("/accounts/two-factor/").content.decode()
    assert "Two-factor sign-in is on" in again and not any(code in again for code in codes)


def test_sign_in_asks_for_the_code_after_the_password(editor_a):
    device = enrolled(editor_a)
    browser = Client()
    step = sign_in(browser, editor_a)
    assert step.status_code == 302 and step["Location"] == "/accounts/two-factor/verify/"
    assert browser.get("/dashboard/").status_code == 302  # not signed in yet
    assert lockout.DEVICE_COOKIE not in browser.cookies  # left only after every factor
    refused = browser.post("/accounts/two-factor/verify/", {"code": wrong_code(device)})
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    done = browser.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert browser.get("/dashboard/").status_code == 200
    assert lockout.DEVICE_COOKIE in browser.cookies


def test_a_recovery_code_works_once(editor_a):
    enrolled(editor_a)
    codes = two_factor.new_recovery_codes(editor_a)
    first = Client()
    sign_in(first, editor_a)
    assert first.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 302
    second = Client()
    sign_in(second, editor_a)
    assert second.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=editor_a).count() == 9


def test_wrong_codes_count_toward_the_lockout(editor_a):
    device = enrolled(editor_a)
    browser = Client()
    sign_in(browser, editor_a, "10.8.8.8")
    statuses = [
        browser.post(
            "/accounts/two-factor/verify/", {"code": wrong_code(device)}, REMOTE_ADDR="10.8.8.8"
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    # The password alone does not get this client in any more, even with the right code.
    assert sign_in(Client(), editor_a, "10.8.8.9").status_code == 429


def test_the_second_step_without_a_password_step_goes_to_sign_in(client, editor_a):
    enrolled(editor_a)
    assert client.get("/accounts/two-factor/verify/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/two-factor/verify/", {"code": "123456"}).status_code == 302


def test_required_roles_enrol_before_anything_else(settings, admin_a, org_a):
    settings.MFA_REQUIRED_ROLES = "admin,reviewer,platform_admin"
    browser = Client()
    step = sign_in(browser, admin_a)
    assert step.status_code == 302 and step["Location"] == "/accounts/two-factor/"
    assert browser.get("/dashboard/")["Location"] == "/accounts/two-factor/"
    assert browser.get("/organization/members/")["Location"] == "/accounts/two-factor/"
    session_api = browser.get("/api/v1/api-keys/")
    assert session_api.status_code == 403 and session_api.json()["code"] == "two_factor_required"
    # API keys are not touched.
    _, raw = keys.issue_key(admin_a, org_a, name="sync", scopes="read")
    by_key = APIClient().get("/api/v1/api-keys/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_key.status_code == 200
    page = browser.get("/accounts/two-factor/").content.decode()
    assert "Your role needs two-factor sign-in" in page
    device = TOTPDevice.objects.get(user=admin_a, confirmed=False)
    browser.post("/accounts/two-factor/", {"action": "confirm", "code": code_for(device)})
    assert browser.get("/dashboard/").status_code == 200
    # Their role needs it: it cannot be removed.
    removal = browser.post("/accounts/two-factor/", {"action": "remove", "confirm": "yes"})
    assert removal.status_code == 403 and TOTPDevice.objects.filter(user=admin_a).exists()


def test_other_roles_are_not_forced_and_may_remove_it_after_confirming(settings, editor_a):
    settings.MFA_REQUIRED_ROLES = "admin,reviewer,platform_admin"
    enrolled(editor_a)
    client = Client()
    client.force_login(editor_a)
    assert client.get("/dashboard/").status_code == 200
    unconfirmed = client.post("/accounts/two-factor/", {"action": "remove"})
    assert unconfirmed.status_code == 400 and TOTPDevice.objects.filter(user=editor_a).exists()
    removed = client.post("/accounts/two-factor/", {"action": "remove", "confirm": "yes"})
    assert removed.status_code == 302 and not TOTPDevice.objects.filter(user=editor_a).exists()


def test_an_empty_setting_forces_nobody(settings, admin_a):
    settings.MFA_REQUIRED_ROLES = ""
    browser = Client()
    assert sign_in(browser, admin_a)["Location"] == "/dashboard/"
    assert browser.get("/organization/members/").status_code == 200


@pytest.mark.parametrize("roles", ["admin,reviewer,platform_admin", ""])
def test_the_admin_requires_a_verified_session_for_the_required_roles(
    settings, platform_admin, roles
):
    settings.MFA_REQUIRED_ROLES = roles
    device = enrolled(platform_admin)
    unverified = Client()
    unverified.force_login(platform_admin)
    answer = unverified.get("/admin/")
    if roles:
        assert answer["Location"] == "/accounts/two-factor/"  # to prove the code first
    else:
        assert answer.status_code == 200
    browser = Client()
    sign_in(browser, platform_admin)
    browser.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    assert browser.get("/admin/").status_code == 200


# --- New recovery codes (a POST action on /accounts/two-factor/, after the confirmation page)


def verified_browser(user):
    """A browser signed in with the password and the app's code (a verified session)."""
    device = enrolled(user)
    browser = Client()
    sign_in(browser, user)
    browser.post("/accounts/two-factor/verify/", {"code": code_for(device)})
    return browser, device


def codes_on(response) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())


def test_new_recovery_codes_after_confirming_and_the_old_ones_stop_working(editor_a):
    old = two_factor.new_recovery_codes(editor_a)
    browser, _device = verified_browser(editor_a)
    page = browser.get("/accounts/two-factor/").content.decode()
    assert 'id="regenerate-recovery-codes"' in page and "10 unused recovery codes" in page
    asked = browser.post("/accounts/two-factor/", {"action": "regenerate"})
    html = asked.content.decode()
    assert asked.status_code == 200 and "Make new recovery codes?" in html
    assert 'name="confirmed" value="yes"' in html and 'value="regenerate"' in html
    assert codes_on(asked) == []
    # Nothing changed yet: asking is not acting.
    assert sorted(
        StaticToken.objects.filter(device__user=editor_a).values_list("token", flat=True)
    ) == sorted(old)
    done = browser.post("/accounts/two-factor/", {"action": "regenerate", "confirmed": "yes"})
    new = codes_on(done)
    assert done.status_code == 200 and len(new) == 10 and len(set(new)) == 10
    assert not set(new) & set(old) and "the old ones no longer work" in done.content.decode()
    assert done["Cache-Control"].count("no-store") == 1
    # Shown once: the page afterwards does not show them again.
    again = browser.get("/accounts/two-factor/").content.decode()
    assert not any(code in again for code in new)
    # An old code no longer signs in; a new one does, once.
    for code, expected in ((old[0], 400), (new[0], 302)):
        attempt = Client()
        sign_in(attempt, editor_a)
        answer = attempt.post("/accounts/two-factor/verify/", {"code": code})
        assert answer.status_code == expected, code


def test_new_recovery_codes_need_a_verified_session(editor_a):
    enrolled(editor_a)
    old = two_factor.new_recovery_codes(editor_a)
    browser = Client()
    browser.force_login(editor_a)  # an older session that never entered a code
    assert (
        'id="regenerate-recovery-codes"'
        not in browser.get("/accounts/two-factor/").content.decode()
    )
    refused = browser.post("/accounts/two-factor/", {"action": "regenerate", "confirmed": "yes"})
    assert refused.status_code == 403 and codes_on(refused) == []
    assert "Enter a code from your app first" in refused.content.decode()
    assert StaticToken.objects.filter(device__user=editor_a).count() == len(old)


def test_no_recovery_codes_to_replace_without_two_factor(client, editor_a):
    client.force_login(editor_a)
    refused = client.post("/accounts/two-factor/", {"action": "regenerate", "confirmed": "yes"})
    assert refused.status_code == 400 and codes_on(refused) == []
    assert not StaticToken.objects.filter(device__user=editor_a).exists()


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "恢复码"), ("ru", "коды восстановления")]
)
def test_the_regeneration_speaks_the_readers_language(editor_a, language, words):
    browser, _device = verified_browser(editor_a)
    two_factor.new_recovery_codes(editor_a)
    browser.cookies[conf.LANGUAGE_COOKIE_NAME] = language
    asked = browser.post("/accounts/two-factor/", {"action": "regenerate"})
    html = asked.content.decode()
    assert words in html and "Make new recovery codes" not in html and "stop working" not in html
    page = browser.get("/accounts/two-factor/")
    done = browser.post("/accounts/two-factor/", {"action": "regenerate", "confirmed": "yes"})
    assert len(codes_on(done)) == 10
    for response in (asked, page, done):
        main = response.content.decode()
        main = main[main.index("<main") :]
        latin = [
            node
            for node in text_nodes(main, language.split("-")[0])
            if looks_english(node) and node not in codes_on(done)
        ]
        assert latin == [], latin
