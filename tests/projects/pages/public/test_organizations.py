"""The organization directory /organizations/ and /organizations/<slug>/ (issue 8)."""

import pytest

from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:300]
    return response.content.decode()


def test_directory_lists_active_organizations(client, world):
    OrganizationFactory(slug="closed-down", name={"en": "Closed-down bureau"}, is_active=False)
    html = page(client, "/organizations/")
    assert 'href="/organizations/xian/"' in html and 'href="/organizations/almaty/"' in html
    assert "Closed-down bureau" not in html
    # Grouped by country, with each organization's public records counted.
    assert "<h2" in html and "Kazakhstan" in html and "China" in html
    assert "2 projects" not in html and "1 project" in html


def test_an_inactive_organization_is_a_404(client, db):
    OrganizationFactory(slug="closed-down", is_active=False)
    page(client, "/organizations/closed-down/", status=404)
    page(client, "/organizations/no-such-slug/", status=404)


def test_organization_page_shows_records(client, world):
    html = page(client, "/organizations/xian/")
    assert "City government xian" in html
    assert f'href="/projects/{world["train"].identifier}/"' in html
    assert "Secret" not in html
    assert "CN-XIAN" in html  # its identifier prefix


def test_a_member_sees_their_drafts_on_their_organization_page(client, world, viewer_a):
    client.force_login(viewer_a)
    html = page(client, "/organizations/xian/")
    assert "Secret Xi&#x27;an draft" in html and "badge-draft" in html


def test_accepted_sister_city_links_are_public_proposed_ones_are_not(
    client, world, sister_city, admin_a
):
    html = page(client, "/organizations/xian/")
    assert 'href="/organizations/almaty/"' in html
    assert "Samarkand" not in html  # only proposed
    assert 'href="/organizations/xian/"' in page(client, "/organizations/almaty/")
    # Xi'an's admins see their proposal, marked as such.
    client.force_login(admin_a)
    html = page(client, "/organizations/xian/")
    assert "Samarkand" in html and 'class="badge badge-proposed">Proposed<' in html


def test_confirmed_participations_are_listed(client, world, unconfirmed_partner, admin_b):
    from projects.domain import participants
    from registry.tenancy import Actor

    assert "Takes part in" not in page(client, "/organizations/almaty/")
    participants.respond_participation(Actor.for_user(admin_b), unconfirmed_partner, True)
    html = page(client, "/organizations/almaty/")
    assert "Takes part in" in html and world["train"].identifier in html


def test_see_all_link_when_there_are_more_records(client, org_a, editor_a, monkeypatch):
    from projects.models import Project
    from projects.pages import public as views
    from tests.projects.factories import create

    monkeypatch.setattr(views, "RECORDS_ON_ORGANIZATION_PAGE", 2)
    for n in range(3):
        create(Project, org_a, editor_a, title={"en": f"Project {n}"})
    client.force_login(editor_a)
    html = page(client, "/organizations/xian/")
    assert 'href="/projects/?organization=xian"' in html
