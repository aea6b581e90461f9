"""The public pages (issue 8) as the application's least-privilege database role (issue 10):
every page, including the catalogue's one-statement facets, runs under row-level security. A
page that needed a row its reader's policies do not show would fail here (a 404, a 500, a
wrong count), and a forgotten scope would show nothing it should not."""

import re

import pytest

from projects.models import Contact, Project, Zone
from registry import rls
from tests.factories import member
from tests.projects.factories import create, place_in_state

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _as_app_role(as_app_role):
    pass


@pytest.fixture
def records(org_a, org_b):
    with rls.system_context("test setup: published records and a draft"):
        editor_a = member(org_a, "editor", username="xian-editor")
        editor_b = member(org_b, "editor", username="almaty-editor")
        zone = place_in_state(create(Zone, org_b, editor_b), "published")
        train = place_in_state(create(Project, org_a, editor_a), "published")
        contact = place_in_state(create(Contact, org_b, editor_b), "published")
        draft = create(Project, org_a, editor_a, title={"en": "Secret draft"}, countries=["UZ"])
    return {
        "editor_a": editor_a,
        "editor_b": editor_b,
        "zone": zone,
        "train": train,
        "contact": contact,
        "draft": draft,
    }


def test_every_public_page_under_row_level_security(client, records):
    urls = [
        "/",
        "/projects/",
        "/projects/?country=CN&category=tourism_train&q=train",
        "/zones/",
        "/contacts/",
        f"/projects/{records['train'].identifier}/",
        f"/zones/{records['zone'].identifier}/",
        f"/contacts/{records['contact'].identifier}/",
        "/map/",
        "/stats/",
        "/organizations/",
        "/organizations/xian/",
    ]
    for user in (None, records["editor_a"], records["editor_b"]):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, user)
            html = response.content.decode()
            if user is not records["editor_a"]:
                assert "Secret draft" not in html, (url, user)


def test_catalogue_counts_under_row_level_security(client, records):
    html = client.get("/projects/").content.decode()
    assert "1 record found" in html
    client.force_login(records["editor_a"])
    html = client.get("/projects/").content.decode()
    assert "2 records found" in html and "Secret draft" in html
    assert re.search(r"<span>Uzbekistan</span> <span class=\"count\">1</span>", html)
    draft = f"/projects/{records['draft'].identifier}/"
    assert client.get(draft).status_code == 200
    client.force_login(records["editor_b"])
    assert client.get(draft).status_code == 404
