"""The map (/map/) and the statistics (/stats/) pages (issue 8)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OrganizationFactory, UserFactory
from tests.projects.api.test_query_counts import Rows

pytestmark = pytest.mark.django_db

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:300]
    return response.content.decode()


def map_data(html: str) -> dict:
    match = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the features are embedded as JSON data"
    return json.loads(match.group(1))


def test_map_embeds_the_features_and_lists_them_for_readers(client, world):
    html = page(client, "/map/")
    data = map_data(html)
    assert [zone["identifier"] for zone in data["zones"]] == [world["zone"].identifier]
    assert data["zones"][0]["geometry"]["type"] == "Polygon"
    assert data["zones"][0]["url"] == f"/zones/{world['zone'].identifier}/"
    projects = {project["identifier"]: project for project in data["projects"]}
    assert set(projects) == {world["train"].identifier, world["festival"].identifier}
    assert projects[world["train"].identifier]["locations"][0]["lon"] == 108.94
    # The same features as plain links, for readers without JavaScript.
    assert f'href="/zones/{world["zone"].identifier}/"' in html
    assert f'href="/projects/{world["train"].identifier}/"' in html
    # Leaflet, the country outlines and the script come from this site.
    for path in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/topojson-client/topojson-client.min.js",
        "/static/vendor/world-atlas/countries-110m.json",
        "/static/js/map.js",
    ):
        assert path in html, path


def test_map_leaves_out_what_the_reader_cannot_see(client, world, editor_b):
    data = map_data(page(client, "/map/"))
    assert world["draft_b"].identifier not in json.dumps(data)
    client.force_login(editor_b)
    # Almaty's draft zone has an area: its members see it on the map.
    data = map_data(page(client, "/map/"))
    assert world["draft_b"].identifier in {zone["identifier"] for zone in data["zones"]}


def test_map_filters_by_country(client, world):
    data = map_data(page(client, "/map/?country=CN"))
    assert {project["identifier"] for project in data["projects"]} == {world["train"].identifier}
    assert page(client, "/map/?country=XX", status=404)


def test_map_escapes_titles_in_its_data(client, org_a, editor_a):
    from projects.models import Project
    from tests.projects.factories import create, place_in_state

    place_in_state(
        create(Project, org_a, editor_a, title={"en": "</script><script>alert(1)</script>"}),
        "published",
    )
    html = page(client, "/map/")
    assert "<script>alert(1)" not in html
    assert map_data(html)["projects"][0]["title"] == "</script><script>alert(1)</script>"


def test_vendor_files_are_committed_with_their_origin():
    readme = (VENDOR / "README.md").read_text()
    for name, version in (
        ("leaflet", "1.9.4"),
        ("world-atlas", "2.0.2"),
        ("topojson-client", "3.1.0"),
    ):
        assert f"`{name}` | {version}" in readme
    for path in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/layers.png",
        "leaflet/images/marker-icon.png",
        "world-atlas/countries-110m.json",
        "topojson-client/topojson-client.min.js",
    ):
        assert (VENDOR / path).is_file(), path
    # collectstatic's manifest storage would refuse a source map reference to a missing file.
    assert "sourceMappingURL" not in (VENDOR / "leaflet/leaflet.js").read_text()
    atlas = json.loads((VENDOR / "world-atlas/countries-110m.json").read_text())
    assert atlas["type"] == "Topology" and "countries" in atlas["objects"]


def test_stats_count_only_what_the_reader_may_see(client, world, viewer_a):
    html = page(client, "/stats/")
    assert "Projects by category" in html and "<svg" in html and "<table" in html
    # Two public projects, one of each category; the hidden draft is in no figure.
    assert re.search(r"<td>Tourism train</td><td class=\"num\">1</td>", html)
    assert re.search(r"<td>Event or festival</td><td class=\"num\">1</td>", html)
    assert "<td>Uzbekistan</td>" not in html  # only the draft is in UZ
    client.force_login(viewer_a)
    html = page(client, "/stats/")
    assert re.search(r"<td>Tourism train</td><td class=\"num\">2</td>", html)
    assert re.search(r"<td>Uzbekistan</td><td class=\"num\">1</td>", html)


def test_stats_show_freshness_per_organization_and_months(client, world):
    html = page(client, "/stats/")
    assert "Freshness of the published records" in html
    assert 'href="/organizations/almaty/"' in html
    assert "Records by month of publication" in html
    month = world["train"].published_at.strftime("%Y-%m")
    assert f"<td>{month}</td>" in html


def test_home_shows_key_figures_and_the_newest_projects(client, world):
    html = page(client, "/")
    figures = dict(
        (label, int(value))
        for value, label in re.findall(
            r'<span class="figure-value">(\d+)</span><span class="figure-label">([^<]+)</span>',
            html,
        )
    )
    assert figures["published projects"] == 2
    assert figures["cooperation zone"] == 1  # one: the singular (issue 18)
    assert figures["assistance contact"] == 1
    assert figures["countries"] == 2  # CN and KZ; the draft's UZ is not counted
    assert "Almaty apple festival" in html and "Secret" not in html


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/", "/map/", "/stats/", "/organizations/"])
def test_query_count_does_not_grow_with_the_records(client, url):
    counts = []
    for n in (5, 100):
        rows = Rows(OrganizationFactory(), OrganizationFactory(), UserFactory())
        rows.projects(n)
        rows.zones(n)
        rows.contacts(n)
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1]


def test_map_names_countries_and_cities_and_clusters_points(client, world):
    """Issue 18: names on the map from our own data (no tile server), in the reader's
    language, and project points clustered with the vendored leaflet.markercluster."""
    data = map_data(page(client, "/map/"))
    countries = {country["code"]: country for country in data["countries"]}
    assert set(countries) >= {"CN", "KZ", "KG", "TJ", "TM", "UZ"}
    assert (countries["KZ"]["atlas_id"], countries["KZ"]["name"]) == ("398", "Kazakhstan")
    cities = {city["name"]: (city["lat"], city["lon"]) for city in data["cities"]}
    assert cities["Khorgos"] == (44.21, 80.41) and len(cities) == 12
    client.cookies["django_language"] = "zh-hans"
    data = map_data(page(client, "/map/"))
    assert {c["name"] for c in data["cities"]} >= {"西安", "霍尔果斯", "阿拉木图"}
    assert "哈萨克斯坦" in {c["name"] for c in data["countries"]}
    html = page(client, "/map/")
    for path in (
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/leaflet.markercluster/MarkerCluster.css",
    ):
        assert path in html, path
    assert (VENDOR / "leaflet.markercluster" / "LICENSE").exists()
    script = (Path(settings.BASE_DIR) / "static" / "js" / "map.js").read_text()
    assert "markerClusterGroup" in script and "textContent = text" in script
    # The atlas names its features by the ISO numeric ids the labels carry.
    atlas = json.loads((VENDOR / "world-atlas" / "countries-110m.json").read_text())
    ids = {str(g.get("id")) for g in atlas["objects"]["countries"]["geometries"]}
    assert {"156", "398", "417", "762", "795", "860"} <= ids
