"""My organization's pages (SPEC 2, 7): members (admins only), API keys (shown once), and
sister-city links (proposed by one side's admin, answered by the other's)."""

import pytest
from django.urls import reverse

from accounts.models import Membership, SisterCityLink
from registry.tenancy import Actor, visible
from tests.factories import OrganizationFactory, member


def roles_in(organization, admin) -> dict:
    rows = visible(Actor.for_user(admin), Membership).filter(organization=organization)
    return {row.user.username: row.role for row in rows.select_related("user")}


def test_members_page_is_for_admins(client, org_a, admin_a, editor_a, outsider):
    url = reverse("members")
    assert client.get(url)["Location"].startswith("/accounts/login/")
    for user in (editor_a, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"email": "a@example.org", "role": "admin"}).status_code == 403
    client.force_login(admin_a)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert editor_a.username in html and 'for="id_email"' in html


def test_admin_changes_role_and_removes(client, org_a, org_b, admin_a, editor_b):
    """Members join by invitation (tests/accounts/test_invitations.py); here their roles."""
    newcomer = member(org_a, "viewer", username="newcomer")
    client.force_login(admin_a)
    assert roles_in(org_a, admin_a)["newcomer"] == "viewer"

    assert (
        client.post(reverse("member-role", args=[newcomer.pk]), {"role": "editor"}).status_code
        == 302
    )
    assert roles_in(org_a, admin_a)["newcomer"] == "editor"
    # The last admin neither steps down nor leaves.
    step_down = client.post(
        reverse("member-role", args=[admin_a.pk]), {"role": "viewer"}, follow=True
    )
    assert "last admin" in step_down.content.decode()
    leave = client.post(
        reverse("member-remove", args=[admin_a.pk]), {"confirmed": "yes"}, follow=True
    )
    assert "last admin" in leave.content.decode()
    assert roles_in(org_a, admin_a)["admin-a"] == "admin"

    # Another organization's people cannot be reached from here; its admin cannot reach ours.
    assert client.post(reverse("member-remove", args=[editor_b.pk])).status_code == 404
    client.force_login(member(org_b, "admin"))
    assert client.post(reverse("member-remove", args=[newcomer.pk])).status_code == 404
    client.force_login(admin_a)
    # Removing is asked first (issue 18): the page says what happens; nothing changes yet.
    asked = client.post(reverse("member-remove", args=[newcomer.pk]))
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.content.decode()
    assert "Remove newcomer from" in asked.content.decode()
    assert "newcomer" in roles_in(org_a, admin_a)
    confirmed = client.post(reverse("member-remove", args=[newcomer.pk]), {"confirmed": "yes"})
    assert confirmed.status_code == 302
    assert "newcomer" not in roles_in(org_a, admin_a)


def test_api_key_is_shown_once_and_revoked(client, org_a, editor_a, admin_a):
    url = reverse("api-keys")
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(editor_a)
    response = client.post(url, {"name": "", "scopes": []})
    assert response.status_code == 400
    response = client.post(
        url, {"name": "Booking sync", "scopes": ["read"], "expires_in_days": "30"}
    )
    assert response.status_code == 200
    assert {"no-store", "private"} <= {p.strip() for p in response["Cache-Control"].split(",")}
    raw_key = response.context["raw_key"]
    assert raw_key.startswith("srr_") and raw_key in response.content.decode()
    # The key works, and the list never shows it again.
    assert (
        client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    )
    listing = client.get(url).content.decode()
    assert "Booking sync" in listing and raw_key not in listing
    prefix = response.context["key"].prefix

    # A fellow member who is no admin cannot see, let alone revoke, my key.
    client.force_login(member(org_a, "editor"))
    assert prefix not in client.get(url).content.decode()
    assert client.post(reverse("api-key-revoke", args=[prefix])).status_code == 404
    # The organization's admin can.
    client.force_login(admin_a)
    assert prefix in client.get(url).content.decode()
    asked = client.post(reverse("api-key-revoke", args=[prefix]))
    assert asked.status_code == 200 and "Revoke the key" in asked.content.decode()
    assert (
        client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    )
    assert (
        client.post(reverse("api-key-revoke", args=[prefix]), {"confirmed": "yes"}).status_code
        == 302
    )
    client.logout()
    assert (
        client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 401
    )


def test_sister_city_proposal_and_answer(client, org_a, org_b, admin_a, editor_a):
    market = OrganizationFactory(slug="silk-tours", kind="market_entity", identifier_prefix="KZ-ST")
    partner_admin = member(org_b, "admin")
    url = reverse("sister-cities")
    client.force_login(editor_a)
    page = client.get(url)
    assert page.status_code == 200 and "Propose a sister-city link" not in page.content.decode()
    assert client.post(url, {"partner": org_b.slug}).status_code == 403

    client.force_login(admin_a)
    page = client.get(url).content.decode()
    assert market.slug not in page  # only local governments are offered
    assert client.post(url, {"partner": "", "note": "Kept note"}).status_code == 400
    assert client.post(url, {"partner": org_b.slug, "note": "Since 2024"}).status_code == 302
    link = visible(Actor.for_user(admin_a), SisterCityLink).get()
    assert link.status == "proposed"
    twice = client.post(url, {"partner": org_b.slug})
    assert twice.status_code == 400 and "already have a sister-city link" in twice.content.decode()
    # The proposer cannot accept its own proposal; the partner's editor cannot either.
    assert client.post(reverse("sister-city-answer", args=[link.pk, "accept"])).status_code == 403
    client.force_login(member(org_b, "editor"))
    assert client.post(reverse("sister-city-answer", args=[link.pk, "accept"])).status_code == 403
    client.force_login(partner_admin)
    page = client.get(url).content.decode()
    assert "Since 2024" in page and "Accept" in page
    assert client.post(reverse("sister-city-answer", args=[link.pk, "accept"])).status_code == 302
    link.refresh_from_db()
    assert link.status == "active"
    assert client.post(reverse("sister-city-answer", args=[link.pk, "accept"])).status_code == 409
    end = reverse("sister-city-answer", args=[link.pk, "end"])
    asked = client.post(end)
    assert asked.status_code == 200 and "End the sister-city link with" in asked.content.decode()
    link.refresh_from_db()
    assert link.status == "active"
    assert client.post(end, {"confirmed": "yes"}).status_code == 302
    link.refresh_from_db()
    assert link.status == "ended"
    assert client.post(reverse("sister-city-answer", args=[link.pk, "nonsense"])).status_code == 404


@pytest.mark.parametrize("name", ["members", "api-keys", "sister-cities"])
def test_organization_pages_need_an_organization(client, outsider, name):
    url = reverse(name)
    login = client.get(url)
    assert login.status_code == 302 and login["Location"].startswith("/accounts/login/")
    client.force_login(outsider)
    refused = client.get(url)
    assert refused.status_code == 403
    assert "not a member of any organization" in refused.content.decode()
    assert client.post(url, {"name": "x", "scopes": ["read"], "partner": "x"}).status_code == 403
