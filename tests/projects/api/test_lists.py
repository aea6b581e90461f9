"""Lists: filters, strict parameters, cursor pagination, formats, ETag and Last-Modified."""

import csv
import io
import json
from datetime import timedelta
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.utils import timezone

from projects.models import Contact, Project, Zone
from tests.factories import member
from tests.projects.api.conftest import published
from tests.projects.factories import create


def identifiers(response):
    assert response.status_code == 200, response.content
    return sorted(row["identifier"] for row in response.json()["results"])


@pytest.fixture
def catalogue(org_a, org_b, editor_a, editor_b):
    """Published records of two organizations, with distinct countries, tags and categories."""
    zone = published(Zone, org_a, editor_a, ref="KHORGOS")
    train = published(
        Project,
        org_a,
        editor_a,
        ref="TRAIN",
        zones=[zone.identifier],
        tags=["rail", "丝路"],
        countries=["CN", "KZ"],
    )
    route = published(
        Project,
        org_b,
        editor_b,
        ref="ROUTE",
        category="tourism_route",
        countries=["KZ", "UZ"],
        title={"en": "Samarkand heritage route", "ru": "Маршрут Самарканд"},
        summary={"en": "A co-developed Silk Road heritage route."},
        lifecycle_status="pipeline",
        tags=["heritage"],
        locations=[],
    )
    contact = published(Contact, org_b, editor_b, ref="HOTLINE", countries_covered=["UZ"])
    return {"zone": zone, "train": train, "route": route, "contact": contact}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("country=KZ", {"train", "route"}),
        ("country=UZ", {"route"}),
        ("category=tourism_route", {"route"}),
        ("lifecycle_status=implementation", {"train"}),
        ("workflow_state=published", {"train", "route"}),
        ("organization=almaty", {"route"}),
        ("zone=CN-XIAN-KHORGOS", {"train"}),
        ("tag=rail", {"train"}),
        ("tag=丝路", {"train"}),
        ("q=Samarkand", {"route"}),
        ("q=Самарканд", {"route"}),
        ("q=西安", {"train"}),
        ("q=TRAIN", {"train"}),
        ("q=cultural tourism", {"train"}),
    ],
)
def test_project_filters(api, catalogue, query, expected):
    found = identifiers(api.get(f"/api/v1/projects/?{query}"))
    assert found == sorted(catalogue[name].identifier for name in expected)


def test_updated_since(api, catalogue):
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert identifiers(api.get("/api/v1/projects/", {"updated_since": future})) == []
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert len(identifiers(api.get("/api/v1/projects/", {"updated_since": past}))) == 2


def test_zone_and_contact_filters(api, catalogue):
    assert identifiers(api.get("/api/v1/zones/?kind=cross_border_tourism_zone")) == [
        catalogue["zone"].identifier
    ]
    assert identifiers(api.get("/api/v1/zones/?kind=other")) == []
    assert identifiers(api.get("/api/v1/contacts/?country=UZ")) == [catalogue["contact"].identifier]
    assert identifiers(api.get("/api/v1/contacts/?kind=insurance_claims")) == [
        catalogue["contact"].identifier
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ("country=XX", "country"),
        ("category=space", "category"),
        ("workflow_state=finished", "workflow_state"),
        ("lifecycle_status=dead", "lifecycle_status"),
        ("organization=nowhere", "organization"),
        ("zone=CN-XIAN-NOZONE", "zone"),
        ("updated_since=yesterday", "updated_since"),
        ("ordering=title", "ordering"),
        ("page_size=501", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("cursor=%%%", "cursor"),
        # Hand-made in DRF's own (unsigned) format, "p=CN-XIAN": refused, it is not signed.
        ("cursor=cD1DTi1YSUFO", "cursor"),
        ("q=" + "x" * 201, "q"),
        ("colour=red", "colour"),
    ],
)
def test_bad_filter_values_are_400(api, catalogue, query, field):
    response = api.get(f"/api/v1/projects/?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"] and body["code"] == "invalid"


def test_cursor_pagination_walks_every_row_once(api, org_a, editor_a):
    made = [published(Zone, org_a, editor_a, ref=f"Z{i:02d}").identifier for i in range(7)]
    seen, url, pages = [], "/api/v1/zones/?page_size=3", 0
    while url:
        body = api.get(url).json()
        assert set(body) == {"results", "next", "previous"}
        seen += [row["identifier"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == sorted(made) and pages == 3


def test_list_cursors_are_signed_for_their_list_and_ordering(api, org_a, editor_a):
    for i in range(3):
        published(Zone, org_a, editor_a, ref=f"Z{i:02d}")
    next_url = api.get("/api/v1/zones/?page_size=1").json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]
    assert api.get("/api/v1/zones/", {"page_size": 1, "cursor": cursor}).status_code == 200
    payload, signature = cursor.split(":", 1)
    rewound = signing.b64_encode(json.dumps({"o": 0, "r": False, "p": None}).encode()).decode()
    for forged in (f"{rewound}:{signature}", f"{payload}:{signature[::-1]}", payload):
        response = api.get("/api/v1/zones/", {"page_size": 1, "cursor": forged})
        assert response.status_code == 400 and "cursor" in response.json()["errors"], forged
    # The same cursor is no position in another ordering or another list.
    elsewhere = [
        ("/api/v1/zones/", {"ordering": "-created_at"}),
        ("/api/v1/projects/", {}),
    ]
    for path, params in elsewhere:
        response = api.get(path, {"page_size": 1, "cursor": cursor, **params})
        assert response.status_code == 400, path


@pytest.mark.parametrize("query", ["zh", "ru", "{", "}", '"', ":", "zh:", '{"en'])
def test_search_matches_text_values_not_the_json_around_them(api, catalogue, query):
    # Both projects have an "en" title, the train a "zh" one: keys and JSON punctuation used to
    # match them all.
    assert identifiers(api.get("/api/v1/projects/", {"q": query})) == []
    assert identifiers(api.get("/api/v1/zones/", {"q": query})) == []


def test_search_still_finds_text_in_any_language_and_field(api, catalogue):
    route = [catalogue["route"].identifier]
    assert identifiers(api.get("/api/v1/projects/", {"q": "heritage"})) == route  # summary
    assert identifiers(api.get("/api/v1/projects/", {"q": "Маршрут"})) == route  # the ru title
    assert identifiers(api.get("/api/v1/projects/", {"q": "ARKAND HER"})) == route  # substring


@pytest.mark.parametrize("ordering", ["-identifier", "updated_at", "-created_at"])
def test_ordering_with_cursor(api, org_a, editor_a, ordering):
    made = [published(Zone, org_a, editor_a, ref=f"Z{i:02d}").identifier for i in range(5)]
    seen, url = [], f"/api/v1/zones/?page_size=2&ordering={ordering}"
    while url:
        body = api.get(url).json()
        seen += [row["identifier"] for row in body["results"]]
        url = body["next"]
    expected = sorted(made, reverse=ordering == "-identifier" or ordering == "-created_at")
    assert seen == expected


def test_csv_by_format_and_accept(api, catalogue):
    for response in (
        api.get("/api/v1/projects/?format=csv"),
        api.get("/api/v1/projects/", HTTP_ACCEPT="text/csv"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert sorted(row["identifier"] for row in rows) == sorted(
            [catalogue["train"].identifier, catalogue["route"].identifier]
        )
        train = next(row for row in rows if row["identifier"] == catalogue["train"].identifier)
        assert json.loads(train["title"])["zh"] == "西安至阿拉木图文旅专列"


def test_empty_csv_still_has_a_header(api, db):
    response = api.get("/api/v1/zones/?format=csv")
    assert response.content.decode().splitlines()[0].startswith("identifier,url,organization")


def test_geojson_zones_and_project_locations(api, catalogue):
    zones = api.get("/api/v1/zones/?format=geojson")
    assert zones["Content-Type"].startswith("application/geo+json")
    collection = zones.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["geometry"]["type"] == "Polygon"
    projects = api.get("/api/v1/projects/", HTTP_ACCEPT="application/geo+json").json()
    listed = api.get("/api/v1/projects/").json()["results"]
    # One feature per project (issue 20): summing a column counts each project once.
    assert [f["id"] for f in projects["features"]] == [item["identifier"] for item in listed]
    [train] = [f for f in projects["features"] if f["id"] == catalogue["train"].identifier]
    assert train["geometry"] == {
        "type": "MultiPoint",
        "coordinates": [[108.94, 34.34], [76.89, 43.24]],
    }
    assert train["properties"]["locations"][0]["name"] == "Xi'an"
    detail = api.get(f"/api/v1/zones/{catalogue['zone'].identifier}/?format=geojson").json()
    assert detail["features"][0]["id"] == catalogue["zone"].identifier


def test_unoffered_format_is_406_json(api, catalogue):
    response = api.get("/api/v1/contacts/?format=geojson")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
    assert api.get("/api/v1/projects/?format=xml").status_code == 406


def test_errors_are_json_even_when_csv_was_asked(api, catalogue):
    response = api.get("/api/v1/projects/?format=csv&country=XX")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "country" in response.json()["errors"]


def test_list_etag_and_304(api, session_client, catalogue, editor_a):
    first = api.get("/api/v1/projects/")
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = api.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    # Another filter, another format or another caller is another representation.
    assert api.get("/api/v1/projects/?country=KZ", HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert api.get("/api/v1/projects/?format=csv", HTTP_IF_NONE_MATCH=etag).status_code == 200
    client = session_client(editor_a)
    assert client.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    member_etag = client.get("/api/v1/projects/")["ETag"]
    # A hidden revision of a published record changes its members' list, not the public's
    # (issue 10: private activity never shows in public metadata).
    url = f"/api/v1/projects/{catalogue['train'].identifier}/"
    assert client.patch(url, {"tags": ["x"]}, format="json").status_code == 200
    assert client.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=member_etag).status_code == 200
    assert api.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A change of the published content (confirmed again: a new confirmed_at) changes it.
    assert client.post(f"{url}reconfirm/").status_code == 200
    assert api.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_record_etag_and_304(api, catalogue):
    url = f"/api/v1/projects/{catalogue['train'].identifier}/"
    response = api.get(url)
    etag = response["ETag"]
    assert etag.startswith('"1-') and response["Last-Modified"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"1-other"').status_code == 200


def test_organizations_and_sister_city_links(api, org_a, org_b, catalogue):
    from accounts.models import SisterCityLink
    from registry.models import system_access

    body = api.get("/api/v1/organizations/").json()
    assert [org["slug"] for org in body["results"]] == ["almaty", "xian"]
    detail = api.get("/api/v1/organizations/xian/").json()
    assert detail["identifier_prefix"] == "CN-XIAN" and detail["country"] == "CN"
    assert api.get("/api/v1/organizations/nowhere/").status_code == 404
    assert api.get("/api/v1/organizations/?kind=alien").status_code == 400
    assert [o["slug"] for o in api.get("/api/v1/organizations/?country=KZ").json()["results"]] == [
        "almaty"
    ]
    from tests.factories import UserFactory

    proposer = UserFactory()
    with system_access("test setup"):
        active = SisterCityLink.objects.create(
            organization=org_a, partner=org_b, status="active", proposed_by=proposer
        )
    links = api.get("/api/v1/sister-city-links/").json()["results"]
    assert links == [api.get(f"/api/v1/sister-city-links/{active.pk}/").json()]
    assert links[0]["organization"] == "xian" and links[0]["partner"] == "almaty"
    assert api.get("/api/v1/sister-city-links/?organization=almaty").json()["results"]
    assert api.get("/api/v1/sister-city-links/?status=maybe").status_code == 400
    assert api.get("/api/v1/sister-city-links/999999/").status_code == 404
    etag = api.get("/api/v1/organizations/")["ETag"]
    assert api.get("/api/v1/organizations/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_stats_count_what_the_caller_sees(api, session_client, catalogue, org_a, editor_a):
    create(Project, org_a, editor_a, ref="DRAFT")
    public = api.get("/api/v1/stats/").json()
    assert public["projects"]["total"] == 2
    assert public["projects"]["by_category"] == {"tourism_train": 1, "tourism_route": 1}
    mine = session_client(editor_a).get("/api/v1/stats/").json()
    assert mine["projects"]["total"] == 3 and mine["projects"]["by_workflow_state"]["draft"] == 1


@pytest.mark.postgres_only
def test_the_search_function_finds_ids_through_the_gin_indexes(db):
    """registry_search_ids (issue 21) asks the trigram and full-text indexes."""
    search = import_module("projects.migrations.0012_search_under_rls").SEARCH
    with connection.cursor() as cursor:
        # An empty test table would be read sequentially; ask what the indexes offer.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql = search.format(table="projects_project").replace("$1", "%s").replace("$2", "%s")
        cursor.execute(f"EXPLAIN {sql}", ["%train%", "%train%", "train"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "project_search_fts" in plan and "project_identifier_trgm" in plan, plan
    assert "project_title_trgm" in plan, plan


def _search_start(value: str, walk: int) -> str | None:
    from projects.reads import filtersets

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registry_search_start('projects_project', %s, %s, %s)",
            [filtersets._like_pattern(value), value, walk],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "value, first",
    [
        ("kz-ala", "KZ-ALA-HUB"),  # the identifiers that begin with it (the prefix index)
        ("ala-h", "KZ-ALA-HUB"),  # within an identifier, any case (the inner trigrams)
        ("Hub-Z", "CN-XIAN-ZZ"),  # a title's text, any case (the title trigrams)
        ("caravanserai", "CN-XIAN-ZZ"),  # a word of the description (the full-text index)
        ("Qyzylorda", None),  # nothing matches
    ],
)
def test_the_search_start_is_the_smallest_matching_identifier(org_a, org_b, editor_a, value, first):
    """registry_search_start (0014_search_start) finds it by walking the first rows in
    identifier order or, past them, through each condition's index: the same answer."""
    create(Project, org_b, member(org_b, "editor"), ref="HUB", title={"en": "Almaty hub"})
    create(
        Project,
        org_a,
        editor_a,
        ref="ZZ",
        title={"en": "Hub-Zone logistics"},
        description={"en": "A caravanserai restored."},
    )
    create(Project, org_a, editor_a, ref="AA", title={"en": "Xi'an rail"})
    assert _search_start(value, walk=0) == first  # the indexes only
    assert _search_start(value, walk=1000) == first  # the walk finds it among the first rows


def test_a_csv_page_links_to_the_next_one(api, catalogue):
    """Issue 11: `?format=csv` is one page of rows; its `Link` header says where the next is."""
    first = api.get("/api/v1/projects/?format=csv&page_size=1")
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    link = first["Link"]
    assert link.startswith("<http") and link.endswith('>; rel="next"')
    second = api.get(link[1 : link.index(">")])
    assert second.status_code == 200 and 'rel="prev"' in second["Link"]
    identifiers = [page.content.decode().splitlines()[1].split(",")[0] for page in (first, second)]
    assert sorted(identifiers) == sorted(
        p.identifier for p in (catalogue["train"], catalogue["route"])
    )
    # The JSON page carries the same links.
    body = api.get("/api/v1/projects/?page_size=1")
    assert body["Link"] == f'<{body.json()["next"]}>; rel="next"'
