"""schema.org JSON-LD on every public detail page and organization page: each parses as
JSON-LD offline (rdflib, no remote context) and says what the page shows."""

from __future__ import annotations

import json
import re

from rdflib import RDF, Graph, Literal, Namespace, URIRef

from projects.models import Contact, Project, Zone
from tests.projects.factories import create, place_in_state

SCHEMA = Namespace("https://schema.org/")
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def json_ld(client, path: str) -> Graph | None:
    response = client.get(path)
    assert response.status_code == 200
    found = SCRIPT.findall(response.content.decode())
    if not found:
        return None
    (text,) = found
    json.loads(text)
    return Graph().parse(data=text, format="json-ld")


def test_a_project_page_is_a_schema_org_project(client, org_a, editor_a):
    project = place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    graph = json_ld(client, f"/projects/{project.identifier}/")
    node = URIRef(f"http://localhost:8000/projects/{project.identifier}/")
    assert (node, RDF.type, SCHEMA.Project) in graph
    assert (node, SCHEMA.identifier, Literal(project.identifier)) in graph
    assert graph.value(node, SCHEMA.parentOrganization) is not None
    geo = [graph.value(place, SCHEMA.geo) for place in graph.objects(node, SCHEMA.location)]
    assert {float(graph.value(g, SCHEMA.latitude)) for g in geo} == {34.34, 43.24}


def test_a_zone_page_is_a_place_with_its_shape(client, org_a, editor_a):
    zone = place_in_state(create(Zone, org_a, editor_a, ref="KHORGOS"), "published")
    graph = json_ld(client, f"/zones/{zone.identifier}/")
    node = URIRef(f"http://localhost:8000/zones/{zone.identifier}/")
    assert (node, RDF.type, SCHEMA.Place) in graph
    shape = graph.value(node, SCHEMA.geo)
    polygon = str(graph.value(shape, SCHEMA.polygon))
    lon, lat = zone.geometry["coordinates"][0][0][:2]
    assert polygon.startswith(f"{lat} {lon}")


def test_a_contact_page_is_a_contact_point_of_its_organization(client, org_a, editor_a):
    contact = place_in_state(create(Contact, org_a, editor_a, ref="HOTLINE"), "published")
    graph = json_ld(client, f"/contacts/{contact.identifier}/")
    point = URIRef(f"http://localhost:8000/contacts/{contact.identifier}/")
    organization = URIRef(f"http://localhost:8000/organizations/{org_a.slug}/")
    assert (point, RDF.type, SCHEMA.ContactPoint) in graph
    assert (organization, SCHEMA.contactPoint, point) in graph
    assert graph.value(point, SCHEMA.telephone) == Literal(contact.phone)


def test_an_organization_page_is_an_organization(client, org_a):
    graph = json_ld(client, f"/organizations/{org_a.slug}/")
    node = URIRef(f"http://localhost:8000/organizations/{org_a.slug}/")
    assert (node, RDF.type, SCHEMA.GovernmentOrganization) in graph
    assert (node, SCHEMA.identifier, Literal("CN-XIAN")) in graph


def test_a_draft_seen_by_its_editor_carries_no_json_ld(client, org_a, editor_a):
    draft = create(Project, org_a, editor_a, ref="DRAFT")
    client.force_login(editor_a)
    assert json_ld(client, f"/projects/{draft.identifier}/") is None


def test_a_title_cannot_close_the_script(client, org_a, editor_a):
    title = {"en": "</script><script>alert(1)</script>"}
    project = place_in_state(create(Project, org_a, editor_a, ref="X", title=title), "published")
    html = client.get(f"/projects/{project.identifier}/").content.decode()
    (text,) = SCRIPT.findall(html)
    assert "</script>" not in text
    assert json.loads(text)["name"] == title["en"]
