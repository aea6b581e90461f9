"""People join by themselves (issue 17), in a real browser, each step with a screenshot.

An admin of Xi'an invites a new colleague by e-mail; the colleague opens the link from the
e-mail (read from the file backend's folder, as an operator would), chooses a username and a
password, lands on their dashboard, signs out and in again and starts a record. A new city
applies at /organizations/apply/; a platform admin of the secretariat sees the application, with
its likely duplicate, on the dashboard and approves it; the applicant's e-mail invites them as
the new organization's admin. Screenshots 09-12 (see conftest.shot).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Organization, PlatformRole
from tests.browser.test_journeys import sign_in
from tests.factories import OrganizationFactory, member

NEW_PASSWORD = "Caravan-Serai-2026"


@pytest.fixture
def outbox(settings, tmp_path):
    """Mail goes to files, read back like an operator would read EMAIL_FILE_PATH."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")

    def read() -> str:
        folder = tmp_path / "mail"
        return "".join(path.read_text() for path in sorted(folder.iterdir()))

    return read


@pytest.fixture
def world(site):
    secretariat = OrganizationFactory(
        slug="secretariat",
        identifier_prefix="SRR",
        kind="secretariat",
        country="CN",
        name={"en": "Registry Secretariat", "zh": "丝路合作登记秘书处"},
    )
    xian = OrganizationFactory(
        slug="xian",
        identifier_prefix="CN-XIAN",
        country="CN",
        name={"en": "Xi'an Municipal People's Government", "zh": "西安市人民政府"},
    )
    OrganizationFactory(
        slug="kashi",
        identifier_prefix="CN-KS",
        country="CN",
        website="https://www.kashgar.gov.cn/",
        name={"en": "Kashi Prefecture Tourism Office"},
    )
    admin = member(xian, "admin", username="zhang.min", first_name="Zhang", last_name="Min")
    platform_admin = member(secretariat, "admin", username="secretariat-admin")
    platform_admin.platform_role = PlatformRole.PLATFORM_ADMIN
    platform_admin.save()
    return {"admin": admin, "platform_admin": platform_admin}


def link_in(text: str, path: str) -> str:
    return re.findall(rf"http://[^\s]+{path}[^/\s]+/", text)[-1]


def test_an_admin_invites_a_colleague_who_joins_and_works(new_context, world, outbox, shot):
    admin = sign_in(new_context, world["admin"])
    admin.goto("/organization/members/")
    admin.get_by_label("Email", exact=True).fill("wang.fang@xian.example")
    admin.get_by_label("Role", exact=True).select_option("editor")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.locator(".messages")).to_contain_text("Invitation sent to wang.fang@xian.example")
    expect(admin.locator("#invitations-title + table")).to_contain_text("wang.fang@xian.example")
    shot(admin, "09-admin-invites-a-colleague")

    link = link_in(outbox(), "/accounts/invitations/")
    colleague = new_context().new_page()
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1)).to_contain_text("Join")
    colleague.get_by_label("Username").fill("wang.fang")
    colleague.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    colleague.get_by_label("Password again").fill(NEW_PASSWORD)
    shot(colleague, "10-colleague-chooses-a-password")
    colleague.get_by_role("button", name="Create my account and join").click()
    expect(colleague).to_have_url(re.compile("/dashboard/$"))
    expect(colleague.locator(".messages")).to_contain_text("you are now a member")

    # Signs out, and in again with the password chosen, and works.
    colleague.get_by_role("button", name="Sign out").click()
    colleague.goto("/accounts/login/")
    colleague.get_by_label(re.compile("username", re.I)).fill("wang.fang")
    colleague.get_by_label(re.compile("password", re.I)).fill(NEW_PASSWORD)
    colleague.locator("main").get_by_role("button", name="Sign in").click()
    colleague.goto("/dashboard/")
    colleague.get_by_role("link", name="New cooperation zone").click()
    expect(colleague).to_have_url(re.compile("/zones/new/$"))
    # The link was used up.
    again = new_context().new_page()
    again.goto(link)
    expect(again.get_by_role("heading", level=1)).to_contain_text("This link does not work")


def test_a_city_applies_and_the_secretariat_approves(new_context, world, outbox, shot):
    city = new_context().new_page()
    city.goto("/")
    city.get_by_role("link", name="Apply to join").click()
    city.get_by_label("Name in English").fill("Kashgar Municipal People's Government")
    city.get_by_label("Name in Chinese").fill("喀什市人民政府")
    city.get_by_label("Kind").select_option("local_government")
    city.get_by_label("Country").select_option("CN")
    city.get_by_label("Website").fill("https://kashgar.gov.cn/")
    city.get_by_label("Your name").fill("Aziz Mamat")
    city.get_by_label("Your e-mail").fill("aziz@kashgar.example")
    shot(city, "11-a-city-applies")
    city.get_by_role("button", name="Send the application").click()
    expect(city.locator(".messages")).to_contain_text("the secretariat will review")
    assert "We received the application" in outbox()

    secretariat = sign_in(new_context, world["platform_admin"])
    secretariat.goto("/dashboard/")
    applying = secretariat.locator("#applications")
    expect(applying).to_contain_text("same website kashgar.gov.cn")
    expect(applying).not_to_contain_text("Xi'an")  # shares only generic words
    applying.get_by_role("link", name="Kashgar Municipal People's Government").click()
    secretariat.get_by_label("Address name (slug)").fill("kashgar")
    secretariat.get_by_label("Identifier prefix").fill("CN-KASHGAR")
    shot(secretariat, "12-secretariat-approves")
    secretariat.get_by_role(
        "button", name="Create the organization and invite the applicant"
    ).click()
    expect(secretariat.locator(".messages")).to_contain_text("is created")
    assert Organization.objects.get(slug="kashgar").identifier_prefix == "CN-KASHGAR"

    applicant = new_context().new_page()
    applicant.goto(link_in(outbox(), "/accounts/invitations/"))
    applicant.get_by_label("Username").fill("aziz")
    applicant.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    applicant.get_by_label("Password again").fill(NEW_PASSWORD)
    applicant.get_by_role("button", name="Create my account and join").click()
    expect(applicant.locator(".messages")).to_contain_text("Admin")
