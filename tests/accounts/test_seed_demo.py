"""seed_demo: realistic demo accounts, safe to run twice, and every printed login works."""

import html
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.domain.demo import DEMO_PASSWORD
from accounts.models import Membership, Organization, SisterCityLink, User
from registry.tenancy import Actor, visible

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development(settings):
    """seed_demo is a development tool: it runs only with DEBUG on (see the refusal test)."""
    settings.DEBUG = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> list[tuple[str, str, str]]:
    """(username, role, organization slug) from the table between the dashes and the blank line."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("----")) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        username, rest = line.split(None, 1)
        role = rest.split("  ")[0].strip()
        organization = rest[len(role) :].split()[0]
        rows.append((username, role, organization))
    return rows


def counts() -> tuple[int, int, int, int]:
    return (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.unscoped("test: count all").count(),
        SisterCityLink.objects.unscoped("test: count all").count(),
    )


def test_seed_demo_twice_is_idempotent_and_prints_the_logins():
    first = seed()
    after_first = counts()
    second = seed()
    assert counts() == after_first
    assert printed_logins(first) == printed_logins(second)
    assert f"Password for every demo login: {DEMO_PASSWORD}" in second
    organizations, users, _, links = after_first
    assert organizations >= 15 and users >= 20 and links == 5


def test_seed_demo_has_the_real_cities_roles_and_links():
    seed()
    cities = Organization.objects.filter(kind="local_government")
    assert {c.slug: c.country.code for c in cities} == {
        "xian": "CN", "urumqi": "CN", "chengdu": "CN", "beijing": "CN", "almaty": "KZ",
        "astana": "KZ", "tashkent": "UZ", "samarkand": "UZ", "bishkek": "KG",
        "dushanbe": "TJ", "ashgabat": "TM",
    }  # fmt: skip
    xian = Organization.objects.get(slug="xian")
    assert xian.requires_signoff and xian.identifier_prefix == "CN-XIAN"
    assert set(xian.name) >= {"en", "zh", "ru"}
    assert Organization.objects.get(slug="almaty").name["kk"]
    sectors = set(
        Organization.objects.filter(kind="market_entity").values_list("sector", flat=True)
    )
    assert sectors >= {"rail", "tour_operator", "insurer"}
    assert Organization.objects.filter(kind="secretariat").count() == 1
    assert User.objects.get(username="reviewer").platform_role == "reviewer"
    platform_admin = User.objects.get(username="platform-admin")
    assert platform_admin.platform_role == "platform_admin" and platform_admin.is_staff
    roles = set(Membership.objects.unscoped("test").values_list("role", flat=True))
    assert roles == {"admin", "editor", "viewer"}
    states = {
        (link.organization.slug, link.partner.slug): link.status
        for link in SisterCityLink.objects.unscoped("test").select_related(
            "organization", "partner"
        )
    }
    assert states[("urumqi", "samarkand")] == "active"
    assert states[("xian", "almaty")] == "active"
    assert set(states.values()) == {"active", "proposed", "declined", "ended"}
    public = visible(Actor.anonymous(), SisterCityLink)
    assert public.count() == 2


def test_every_printed_demo_user_can_sign_in_and_is_named_on_the_home_page(client):
    rows = printed_logins(seed())
    organizations_of: dict[str, set[str]] = {}
    for username, _role, slug in rows:
        organizations_of.setdefault(username, set()).add(slug)
    assert len(organizations_of) == User.objects.count()
    for username, slugs in organizations_of.items():
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, f"{username} could not sign in"
        page = client.get("/").content.decode()
        assert username in page
        for slug in slugs:
            name = Organization.objects.get(slug=slug).display_name
            assert html.escape(name) in page, f"{username}'s page does not name {slug}"
        client.post("/accounts/logout/")


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        seed()
    assert counts() == (0, 0, 0, 0)
    assert not User.objects.filter(username="platform-admin").exists()
