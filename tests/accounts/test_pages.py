"""Sign-in pages, the organization switcher and the language switcher (issue 2, item 5)."""

import re

import pytest
from django.contrib.messages import get_messages

from accounts.domain import services
from tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(org_a, org_b):
    """Editor at Xi'an, viewer at Almaty."""
    user = member(org_a, "editor", username="two-hats", first_name="Aigerim", last_name="N.")
    services.add_membership(user, org_b, "viewer")
    return user


def working_for(page: str) -> str:
    """The organization the home page says I work for."""
    match = re.search(r"Working for</dt>\s*<dd>([^<]*)<", page)
    return match.group(1).strip() if match else ""


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_signed_out_home_welcomes_and_links_to_sign_in(client):
    page = client.get("/").content.decode()
    assert "Welcome" in page
    assert 'href="/accounts/login/' in page
    assert "Sign out" not in page


def test_login_page_renders_the_form(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page and 'name="password"' in page


def test_wrong_password_is_refused_with_a_message(client, org_a):
    member(org_a, "editor", username="li")
    response = client.post("/accounts/login/", {"username": "li", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_then_home_names_the_user_the_organization_and_the_role(client, org_a):
    member(org_a, "editor", username="li", first_name="Li", last_name="Na")
    response = client.post("/accounts/login/", {"username": "li", "password": DEFAULT_PASSWORD})
    # Signing in leads to what waits for me; every page's header then names me.
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    page = client.get("/").content.decode()
    assert "Li Na" in page and "City government xian" in page
    assert '<span class="badge">Editor</span>' in page
    # One organization: no switcher.
    assert "switch-organization" not in page


def test_home_shows_the_platform_role(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/").content.decode()
    assert "badge-platform" in page and "reviewer" in page


def test_a_user_without_organizations_is_told_so(client, outsider):
    client.force_login(outsider)
    assert "not a member of any organization" in client.get("/").content.decode()


def test_sign_out_is_a_post(client, org_a):
    client.force_login(member(org_a, "viewer"))
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, org_a):
    user = member(org_a, "viewer")
    assert client.get("/accounts/password/").status_code == 302  # signed out: to the login page
    client.force_login(user)
    assert client.get("/accounts/password/").status_code == 200
    refused = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert refused.status_code == 200
    assert "old password was entered incorrectly" in refused.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "caravan-of-2025-silk",
            "new_password2": "caravan-of-2025-silk",
        },
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password("caravan-of-2025-silk")


# --- the organization switcher ---------------------------------------------------------------


def test_switcher_lists_my_organizations_and_switches(client, two_hats, org_b):
    client.force_login(two_hats)
    page = client.get("/").content.decode()
    assert 'action="/accounts/switch-organization/"' in page
    assert '<option value="almaty"' in page and '<option value="xian"' in page
    # The first by slug is active until one is chosen.
    assert working_for(page) == "City government almaty"

    response = client.post("/accounts/switch-organization/", {"organization": "xian", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["active_organization"] == "xian"
    page = client.get("/").content.decode()
    assert working_for(page) == "City government xian"
    assert '<span class="badge">Editor</span>' in page


def test_switcher_refuses_an_organization_i_do_not_belong_to(client, two_hats):
    other = OrganizationFactory(slug="bishkek", identifier_prefix="KG-BIS", country="KG")
    client.force_login(two_hats)
    client.post("/accounts/switch-organization/", {"organization": "almaty"})
    response = client.post("/accounts/switch-organization/", {"organization": other.slug})
    assert response.status_code == 302
    assert client.session["active_organization"] == "almaty"
    assert "You are not a member of the organization “bishkek”." in messages_of(response)


def test_switcher_refuses_a_missing_or_malformed_slug(client, two_hats):
    client.force_login(two_hats)
    for data in ({}, {"organization": "not a slug!"}, {"organization": "no-such-org"}):
        response = client.post("/accounts/switch-organization/", data)
        assert response.status_code == 302
        assert "active_organization" not in client.session


def test_switcher_needs_sign_in_and_post(client, two_hats):
    response = client.post("/accounts/switch-organization/", {"organization": "xian"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(two_hats)
    assert client.get("/accounts/switch-organization/").status_code == 405


def test_switcher_never_redirects_to_another_site(client, two_hats):
    client.force_login(two_hats)
    response = client.post(
        "/accounts/switch-organization/",
        {"organization": "xian", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_a_membership_of_a_deactivated_organization_is_not_offered(client, org_a):
    user = member(org_a, "editor")
    closed = OrganizationFactory(slug="closed", identifier_prefix="KZ-CLOSED")
    MembershipFactory(organization=closed, user=user, role="admin")
    closed.is_active = False
    closed.save()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "switch-organization" not in page
    client.post("/accounts/switch-organization/", {"organization": "closed"})
    assert "active_organization" not in client.session


# --- languages ------------------------------------------------------------------------------


def test_language_switcher_on_every_page_switches_to_russian(client):
    almaty = OrganizationFactory(
        slug="almaty",
        identifier_prefix="KZ-ALA",
        name={"en": "Akimat of Almaty", "ru": "Акимат города Алматы"},
    )
    user = UserFactory(username="aigerim")
    services.add_membership(user, almaty, "admin")
    for url in ("/", "/accounts/login/"):
        page = client.get(url).content.decode()
        assert 'action="/i18n/setlang/"' in page
        for code in ("en", "zh-hans", "ru"):
            assert f'name="language" value="{code}"' in page
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    client.force_login(user)
    page = client.get("/").content.decode()
    assert '<html lang="ru">' in page
    assert "Акимат города Алматы" in page
