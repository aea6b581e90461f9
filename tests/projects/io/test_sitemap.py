"""/sitemap.xml lists the public pages: lists, published and archived records, organizations."""

from lxml import etree

from projects.models import Project, Zone
from tests.projects.factories import create, place_in_state

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_the_sitemap_lists_the_public_pages_only(client, org_a, editor_a):
    place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    place_in_state(create(Zone, org_a, editor_a, ref="OLD"), "archived")
    create(Project, org_a, editor_a, ref="DRAFT")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    locations = etree.fromstring(response.content).xpath("//s:url/s:loc/text()", namespaces=NS)
    base = "http://localhost:8000"
    assert f"{base}/projects/CN-XIAN-TRAIN/" in locations
    assert f"{base}/zones/CN-XIAN-OLD/" in locations
    assert f"{base}/projects/CN-XIAN-DRAFT/" not in locations
    assert f"{base}/organizations/{org_a.slug}/" in locations
    assert f"{base}/projects/" in locations and f"{base}/" in locations
    for location in locations:
        assert client.get(location.removeprefix(base)).status_code == 200
