"""Sister-city links over the API: propose, accept, decline, end (two-party consent, SPEC 2)."""

import pytest

from accounts.models import SisterCityLink
from tests.factories import OrganizationFactory, member


def links():
    return SisterCityLink.objects.unscoped("test inspection")


@pytest.fixture
def admins(org_a, org_b, session_client):
    return {
        "xian": session_client(member(org_a, "admin")),
        "almaty": session_client(member(org_b, "admin")),
    }


def propose(client, partner="almaty", **extra):
    return client.post("/api/v1/sister-city-links/", {"partner": partner, **extra}, format="json")


def test_propose_accept_end(api, admins):
    response = propose(admins["xian"], note="Silk Road partners")
    assert response.status_code == 201, response.content
    link = response.json()
    assert (link["organization"], link["partner"], link["status"]) == ("xian", "almaty", "proposed")
    # A proposal is not public yet.
    assert api.get("/api/v1/sister-city-links/").json()["results"] == []
    assert admins["xian"].post(f"/api/v1/sister-city-links/{link['id']}/accept/").status_code == 403
    accepted = admins["almaty"].post(f"/api/v1/sister-city-links/{link['id']}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    assert [row["id"] for row in api.get("/api/v1/sister-city-links/").json()["results"]] == [
        link["id"]
    ]
    again = admins["almaty"].post(f"/api/v1/sister-city-links/{link['id']}/accept/")
    assert again.status_code == 409
    ended = admins["xian"].post(f"/api/v1/sister-city-links/{link['id']}/end/")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"


def test_decline(admins):
    link = propose(admins["xian"]).json()
    declined = admins["almaty"].post(f"/api/v1/sister-city-links/{link['id']}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    ended = admins["xian"].post(f"/api/v1/sister-city-links/{link['id']}/end/")
    assert ended.status_code == 409


def test_refusals(api, admins, org_a, session_client):
    editor = session_client(member(org_a, "editor"))
    assert propose(editor).status_code == 403
    assert propose(api).status_code == 401
    assert propose(admins["xian"], partner="nowhere").status_code == 400
    assert propose(admins["xian"], partner="xian").status_code == 400
    assert propose(admins["xian"], colour="red").status_code == 400
    assert propose(admins["xian"], note=5).status_code == 400
    OrganizationFactory(slug="rail-co", kind="market_entity", identifier_prefix="KZ-RAIL")
    refused = propose(admins["xian"], partner="rail-co")
    assert refused.status_code == 400 and "partner" in refused.json()["errors"]
    assert not links().exists()
    link = propose(admins["xian"]).json()
    assert propose(admins["xian"]).status_code == 400
    outsider = session_client(member(OrganizationFactory(slug="tashkent"), "admin"))
    assert outsider.post(f"/api/v1/sister-city-links/{link['id']}/accept/").status_code == 404
    assert api.post(f"/api/v1/sister-city-links/{link['id']}/decline/").status_code == 404
    assert links().get().status == "proposed"
