"""The DCAT-AP 3.0.1 catalogue (/catalog.ttl, /catalog.jsonld) conforms to the DCAT-AP shapes
under pySHACL, and describes what portals harvest."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from projects.models import Contact, Project, Zone
from tests.projects.factories import create, place_in_state

SHAPES = Path(__file__).resolve().parent / "dcat_ap"


def conforms(graph: Graph) -> tuple[bool, str]:
    shapes = Graph().parse(SHAPES / "shapes.ttl")
    ontology = Graph().parse(SHAPES / "range.ttl")
    result, _graph, text = validate(
        graph, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True
    )
    return result, text


def test_the_catalogue_conforms_to_dcat_ap(client, org_a, org_b, editor_a, editor_b):
    place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    place_in_state(create(Zone, org_a, editor_a, ref="KHORGOS"), "published")
    place_in_state(create(Contact, org_b, editor_b, ref="HOTLINE"), "archived")
    create(Project, org_b, editor_b, ref="DRAFT")  # not public: no dataset of org_b's projects
    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content, format="turtle")
    result, report = conforms(graph)
    assert result, report

    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    base = "http://localhost:8000/catalog/datasets/"
    assert {str(d) for d in datasets} == {
        f"{base}projects",
        f"{base}zones",
        f"{base}contacts",
        f"{base}{org_a.slug}/projects",
        f"{base}{org_a.slug}/zones",
        f"{base}{org_b.slug}/contacts",
    }
    projects = URIRef(f"{base}projects")
    formats = {str(f).rsplit("/", 1)[-1] for f in graph.objects(None, DCTERMS["format"])}
    assert {"CSV", "XLSX", "JSON", "GEOJSON", "XML"} <= formats
    assert len(list(graph.objects(projects, DCAT.distribution))) == 5 + 4  # exports + dumps
    licences = set(graph.objects(None, DCTERMS.license))
    assert licences == {URIRef("https://creativecommons.org/licenses/by/4.0/")}
    spatial = {str(s).rsplit("/", 1)[-1] for s in graph.objects(projects, DCTERMS.spatial)}
    assert spatial == {"CHN", "KAZ"}
    assert graph.value(projects, DCTERMS.modified) is not None
    assert graph.value(projects, DCAT.contactPoint) is not None


def test_the_json_ld_catalogue_is_the_same_graph_and_the_licence_is_configurable(
    client, settings, org_a, editor_a
):
    settings.OPEN_DATA_LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
    place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    response = client.get("/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    graph = Graph().parse(data=response.content, format="json-ld")
    result, report = conforms(graph)
    assert result, report
    turtle = Graph().parse(data=client.get("/catalog.ttl").content, format="turtle")
    assert len(graph) == len(turtle)
    assert set(graph.objects(None, DCTERMS.license)) == {
        URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    }
    assert client.post("/catalog.ttl").status_code == 405


def test_an_empty_registry_is_a_conforming_catalogue(db, client):
    graph = Graph().parse(data=client.get("/catalog.ttl").content, format="turtle")
    result, report = conforms(graph)
    assert result, report


def test_the_cached_catalogue_follows_what_the_public_sees(client, org_a, editor_a):
    def datasets() -> set[str]:
        graph = Graph().parse(data=client.get("/catalog.ttl").content, format="turtle")
        return {str(d).rsplit("/datasets/", 1)[-1] for d in graph.subjects(RDF.type, DCAT.Dataset)}

    assert datasets() == {"projects", "zones", "contacts"}
    place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    assert datasets() == {"projects", "zones", "contacts", f"{org_a.slug}/projects"}
