"""The forms' type-ahead endpoint (issue 18): `/lookup/<kind>/?q=` finds zones, projects and
organizations by their names in any language, and never shows what the person may not see."""

import pytest
from django.urls import reverse

from projects.models import Project, Zone
from tests.projects.factories import create, place_in_state


def found(client, kind, typed):
    response = client.get(reverse("lookup", args=[kind]), {"q": typed})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return [item["value"] for item in response.json()["results"]]


def test_projects_by_their_names_in_any_language(client, org_a, editor_a):
    project = create(Project, org_a, editor_a)
    client.force_login(editor_a)
    for typed in ("almaty", "文旅专列", "CN-XIAN"):
        assert found(client, "projects", typed) == [project.identifier]
    assert found(client, "projects", "nothing like it") == []
    assert found(client, "projects", "") == []
    [item] = client.get(reverse("lookup", args=["projects"]), {"q": "train"}).json()["results"]
    assert item["label"] == "Xi'an-Almaty cultural tourism train"


def test_zones_and_organizations(client, org_a, org_b, editor_a):
    zone = create(Zone, org_a, editor_a, name={"en": "Khorgos", "ru": "Хоргос"})
    client.force_login(editor_a)
    assert found(client, "zones", "Хорг") == [zone.identifier]
    assert found(client, "organizations", "almaty") == [org_b.slug]
    assert found(client, "organizations", "KZ-ALA") == [org_b.slug]


def test_another_organizations_drafts_stay_out(client, org_a, editor_a, editor_b):
    """The boundary applies: B sees A's project once published, never its draft."""
    project = create(Project, org_a, editor_a)
    create(Zone, org_a, editor_a)
    client.force_login(editor_b)
    assert found(client, "projects", "train") == []
    assert found(client, "zones", "Khorgos") == []
    place_in_state(project, "published")
    assert found(client, "projects", "train") == [project.identifier]
    assert found(client, "zones", "Khorgos") == []


def test_signed_out_and_unknown_kinds(client, editor_a):
    response = client.get(reverse("lookup", args=["projects"]), {"q": "train"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(editor_a)
    assert client.get("/lookup/people/", {"q": "a"}).status_code == 404
    assert client.post(reverse("lookup", args=["projects"]), {"q": "a"}).status_code == 405


@pytest.mark.parametrize("typed", ["%", "_", "'; drop table", "x" * 500, "\x00"])
def test_odd_input_is_no_error(client, editor_a, typed):
    client.force_login(editor_a)
    assert isinstance(found(client, "projects", typed), list)
