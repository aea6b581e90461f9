"""A forgotten password reset from the e-mail, then two-factor enrolment, in a real browser
(issue 17). The e-mail goes through the file backend (EMAIL_FILE_PATH), as an operator's would;
the organization admin's role needs two-factor (MFA_REQUIRED_ROLES), so their first sign-in
with the new password leads to enrolment. Screenshots 09-11 (SCREENSHOTS=1, see conftest.shot).
"""

from __future__ import annotations

import re
from base64 import b32decode

from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.factories import OrganizationFactory, member

NEW_PASSWORD = "turquoise-dome-1404"


def test_a_forgotten_password_is_reset_from_the_email_then_two_factor_is_enrolled(
    new_context, site, settings, tmp_path, shot
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.MFA_REQUIRED_ROLES = "admin,reviewer,platform_admin"
    xian = OrganizationFactory(slug="xian", identifier_prefix="CN-XIAN", country="CN")
    member(xian, "admin", username="zhang.min", email="zhang.min@xian.example")
    page = new_context().new_page()

    # 1. Forgot the password: ask for a link.
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("zhang.min@xian.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    shot(page, "09-forgotten-password-link-sent")

    # 2. The link from the e-mail file: choose a new password.
    written = "".join(p.read_text() for p in (tmp_path / "mail").iterdir())
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", written).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    # 3. Sign in with it: an admin's role needs two-factor, so enrolment comes first.
    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Username").fill("zhang.min")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").last.click()
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/$"))
    expect(page.locator(".qr-code svg")).to_be_visible()
    shot(page, "10-admin-enrols-two-factor")

    # 4. The app's code (computed here from the key shown as text), then the recovery codes.
    key = page.locator("#two-factor-key").inner_text().replace(" ", "")
    secret = b32decode(key + "=" * (-len(key) % 8))
    page.get_by_role("textbox", name="Code").fill(f"{TOTP(secret).token():06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    shot(page, "11-recovery-codes-shown-once")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
