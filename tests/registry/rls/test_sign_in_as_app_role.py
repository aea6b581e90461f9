"""Signing in, two-factor enrolment and password reset connected as the application's
least-privilege database role, under row-level security (issue 17), with MFA_REQUIRED_ROLES
as in production: an organization admin enrols at sign-in, then signs in with a code."""

import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry import rls
from tests.factories import DEFAULT_PASSWORD, member

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role, settings):
    settings.MFA_REQUIRED_ROLES = "admin,reviewer,platform_admin"


def code_for(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_an_admin_enrols_then_signs_in_with_a_code_under_rls(org_a):
    with rls.system_context("test setup: an organization admin"):
        admin = member(org_a, "admin", username="xian-admin", email="admin@xian.example")
    browser = Client()
    first = browser.post(
        "/accounts/login/", {"username": "xian-admin", "password": DEFAULT_PASSWORD}
    )
    assert first.status_code == 302
    assert browser.get("/dashboard/")["Location"] == "/accounts/two-factor/"
    assert browser.get("/accounts/two-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    confirmed = browser.post(
        "/accounts/two-factor/", {"action": "confirm", "code": code_for(device)}
    )
    assert confirmed.status_code == 200
    assert browser.get("/organization/members/").status_code == 200
    browser.post("/accounts/logout/")
    again = Client()
    again.post("/accounts/login/", {"username": "xian-admin", "password": DEFAULT_PASSWORD})
    device.refresh_from_db()
    done = again.post("/accounts/two-factor/verify/", {"code": code_for(device, 1)})
    assert done.status_code == 302 and again.get("/organization/members/").status_code == 200


def test_a_password_reset_under_rls(org_a):
    with rls.system_context("test setup: an editor"):
        member(org_a, "editor", username="xian-editor", email="editor@xian.example")
    browser = Client()
    browser.post("/accounts/password/reset/", {"email": "editor@xian.example"})
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", mail.outbox[0].body).group(0)
    form = browser.get(link, follow=True)
    new = "turquoise-dome-1404"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert (
        Client().post("/accounts/login/", {"username": "xian-editor", "password": new}).status_code
        == 302
    )


def test_new_recovery_codes_under_rls(org_a, settings):
    """Regenerating deletes the old codes and writes ten new ones as the application's role."""
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # the new code comes right after a refused old one
    with rls.system_context("test setup: an organization admin"):
        admin = member(org_a, "admin", username="xian-admin", email="admin@xian.example")
    browser = Client()
    browser.post("/accounts/login/", {"username": "xian-admin", "password": DEFAULT_PASSWORD})
    browser.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    first = browser.post("/accounts/two-factor/", {"action": "confirm", "code": code_for(device)})
    old = re.findall(r"<li><code>([a-z0-9]+)</code></li>", first.content.decode())
    done = browser.post("/accounts/two-factor/", {"action": "regenerate", "confirmed": "yes"})
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert done.status_code == 200 and len(old) == len(new) == 10 and not set(old) & set(new)
    browser.post("/accounts/logout/")
    for code, expected in ((old[0], 400), (new[0], 302)):
        again = Client()
        again.post("/accounts/login/", {"username": "xian-admin", "password": DEFAULT_PASSWORD})
        assert again.post("/accounts/two-factor/verify/", {"code": code}).status_code == expected
