"""SPEC 5 "Freshness and completeness" over HTTP: record fields, list filters, stats, reconfirm."""

import csv
import io

import pytest
from django.utils import timezone

from projects.domain.content import OPTIONAL_FIELDS
from projects.domain.freshness import months_before
from projects.models import Contact, Project, Zone
from tests.factories import member
from tests.projects.api.conftest import published
from tests.projects.factories import create

TYPES = {"projects": Project, "zones": Zone, "contacts": Contact}


def confirmed_months_ago(record, months):
    moment = months_before(timezone.now(), months)
    type(record).objects.unscoped("test setup").filter(pk=record.pk).update(confirmed_at=moment)
    record.refresh_from_db()
    return record


def identifiers(response):
    assert response.status_code == 200, response.content
    return sorted(row["identifier"] for row in response.json()["results"])


@pytest.fixture
def aged(org_a, org_b, editor_a, editor_b):
    """xian: a current, a stale and an inactive project and a draft; almaty: a current one."""
    return {
        "current": published(Project, org_a, editor_a, ref="CURRENT"),
        "stale": confirmed_months_ago(published(Project, org_a, editor_a, ref="STALE"), 13),
        "inactive": confirmed_months_ago(published(Project, org_a, editor_a, ref="OLD"), 25),
        "draft": create(Project, org_a, editor_a, ref="DRAFT"),
        "almaty": published(
            Project, org_b, editor_b, ref="ROUTE", description={"en": "A heritage route."}
        ),
    }


# --- Record fields -----------------------------------------------------------------------------


@pytest.mark.parametrize("record_type", TYPES)
def test_a_record_shows_its_freshness_and_completeness(record_type, api, org_a, editor_a):
    record = confirmed_months_ago(published(TYPES[record_type], org_a, editor_a), 13)
    body = api.get(f"/api/v1/{record_type}/{record.identifier}/").json()
    assert body["freshness"] == "stale"
    assert body["confirmed_at"] is not None
    assert body["completeness"] == record.completeness and 0 < body["completeness"] < 100
    assert body["missing_fields"] is None  # not the owner


def test_a_draft_has_no_freshness(session_client, org_a, editor_a):
    draft = create(Zone, org_a, editor_a)
    body = session_client(editor_a).get(f"/api/v1/zones/{draft.identifier}/").json()
    assert body["freshness"] is None and body["confirmed_at"] is None


def test_missing_fields_are_shown_to_the_owners_members_only(
    api, session_client, key_client, org_a, org_b, editor_a, editor_b, reviewer, outsider
):
    record = published(Project, org_a, editor_a)
    url = f"/api/v1/projects/{record.identifier}/"
    viewer_a = member(org_a, "viewer")
    owners = [session_client(editor_a), session_client(viewer_a), key_client(editor_a, org_a)]
    for client in owners:
        body = client.get(url).json()
        assert body["missing_fields"] == ["description", "actual_start", "actual_end", "zones"] + [
            "documents",
            "expected_outcomes",
        ]
        assert set(body["missing_fields"]) <= set(OPTIONAL_FIELDS[Project])
        listed = client.get("/api/v1/projects/").json()["results"]
        assert listed[0]["missing_fields"] == body["missing_fields"]
    others = [api, session_client(outsider), session_client(editor_b), session_client(reviewer)]
    others.append(key_client(editor_b, org_b))
    for client in others:
        assert client.get(url).json()["missing_fields"] is None
        assert client.get("/api/v1/projects/").json()["results"][0]["missing_fields"] is None
        csv_text = client.get("/api/v1/projects/?format=csv").content.decode()
        row = next(csv.DictReader(io.StringIO(csv_text)))
        assert row["missing_fields"] == "" and row["freshness"] == "current"


def test_an_edit_over_the_api_rescores(session_client, org_a, editor_a):
    client = session_client(editor_a)
    draft = create(Project, org_a, editor_a)
    before = client.get(f"/api/v1/projects/{draft.identifier}/").json()
    after = client.patch(
        f"/api/v1/projects/{draft.identifier}/",
        {"description": {"en": "Weekly departures."}, "version": before["version"]},
        format="json",
    ).json()
    assert after["completeness"] > before["completeness"]
    assert "description" in before["missing_fields"]
    assert "description" not in after["missing_fields"]


# --- Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("freshness=current", {"current", "almaty"}),
        ("freshness=stale", {"stale"}),
        ("freshness=inactive", {"inactive"}),
        ("freshness=current&organization=xian", {"current"}),
        ("completeness_min=0", {"current", "stale", "inactive", "almaty"}),
        ("completeness_min=55", {"almaty"}),
        ("completeness_min=100", set()),
        ("freshness=stale&completeness_min=0", {"stale"}),
    ],
)
def test_freshness_and_completeness_filters(api, aged, query, expected):
    found = identifiers(api.get(f"/api/v1/projects/?{query}"))
    assert found == sorted(aged[name].identifier for name in expected)


def test_a_member_filters_their_draft_by_completeness_but_not_by_freshness(
    session_client, aged, editor_a
):
    client = session_client(editor_a)
    assert aged["draft"].identifier in identifiers(client.get("/api/v1/projects/"))
    assert aged["draft"].identifier in identifiers(
        client.get("/api/v1/projects/?completeness_min=0")
    )
    for value in ("current", "stale", "inactive"):
        found = identifiers(client.get(f"/api/v1/projects/?freshness={value}"))
        assert aged["draft"].identifier not in found


@pytest.mark.parametrize("record_type", TYPES)
def test_every_record_list_has_the_filters(record_type, api, org_a, editor_a):
    record = confirmed_months_ago(published(TYPES[record_type], org_a, editor_a), 25)
    url = f"/api/v1/{record_type}/"
    assert identifiers(api.get(f"{url}?freshness=inactive")) == [record.identifier]
    assert identifiers(api.get(f"{url}?freshness=current")) == []
    assert identifiers(api.get(f"{url}?completeness_min={record.completeness}")) == [
        record.identifier
    ]
    assert identifiers(api.get(f"{url}?completeness_min={record.completeness + 1}")) == []


@pytest.mark.parametrize("record_type", TYPES)
@pytest.mark.parametrize(
    "query, field",
    [
        ("freshness=fresh", "freshness"),
        ("freshness=", None),
        ("completeness_min=abc", "completeness_min"),
        ("completeness_min=-1", "completeness_min"),
        ("completeness_min=101", "completeness_min"),
        ("completeness_min=50.5", "completeness_min"),
        ("completeness_min=1e3", "completeness_min"),
    ],
)
def test_bad_freshness_and_completeness_values_are_400(api, db, record_type, query, field):
    response = api.get(f"/api/v1/{record_type}/?{query}")
    if field is None:  # an empty value means no filter, as for every other filter
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"] and body["code"] == "invalid"


# --- Conditional requests ----------------------------------------------------------------------


def test_etags_change_when_a_record_turns_stale(api, org_a, editor_a):
    record = published(Zone, org_a, editor_a)
    detail, listing = f"/api/v1/zones/{record.identifier}/", "/api/v1/zones/"
    etags = {url: api.get(url)["ETag"] for url in (detail, listing)}
    for url, etag in etags.items():
        assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    confirmed_months_ago(record, 13)  # no new version: only the clock moved on
    for url, etag in etags.items():
        response = api.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
    assert api.get(detail).json()["freshness"] == "stale"


# --- Statistics --------------------------------------------------------------------------------


def test_stats_show_freshness_and_completeness_per_organization(
    api, session_client, aged, org_b, editor_b
):
    # almaty's draft is better filled than anything; xian never sees it in any figure.
    hidden = create(
        Project,
        org_b,
        editor_b,
        ref="HIDDEN",
        description={"en": "Private."},
        actual_start="2025-01-01",
        documents=[{"title": "Plan", "url": "https://example.org/plan.pdf"}],
    )
    confirmed_months_ago(hidden, 30)
    almaty_public = aged["almaty"].completeness
    assert hidden.completeness > almaty_public
    for client in (api, session_client(aged["current"].created_by)):
        projects = client.get("/api/v1/stats/").json()["projects"]
        assert projects["by_organization"]["almaty"] == 1
        assert projects["freshness_by_organization"]["almaty"] == {
            "current": 1,
            "stale": 0,
            "inactive": 0,
        }
        assert projects["completeness_by_organization"]["almaty"] == almaty_public
        assert projects["freshness_by_organization"]["xian"] == {
            "current": 1,
            "stale": 1,
            "inactive": 1,
        }
        assert projects["by_freshness"] == {"current": 2, "stale": 1, "inactive": 1}
    mine = session_client(aged["current"].created_by).get("/api/v1/stats/").json()["projects"]
    xian = [aged[name].completeness for name in ("current", "stale", "inactive", "draft")]
    assert mine["completeness_by_organization"]["xian"] == round(sum(xian) / 4, 1)
    everyone = [*xian, almaty_public]
    assert mine["average_completeness"] == round(sum(everyone) / 5, 1)
    public = api.get("/api/v1/stats/").json()["projects"]
    assert public["completeness_by_organization"]["xian"] == round(sum(xian[:3]) / 3, 1)
    # almaty's own editor sees its draft, in its counts only.
    theirs = session_client(editor_b).get("/api/v1/stats/").json()["projects"]
    assert theirs["completeness_by_organization"]["almaty"] == round(
        (almaty_public + hidden.completeness) / 2, 1
    )
    assert theirs["freshness_by_organization"]["almaty"]["inactive"] == 0


def test_stats_with_nothing_to_count(api, db):
    zones = api.get("/api/v1/stats/").json()["zones"]
    assert zones["by_freshness"] == {"current": 0, "stale": 0, "inactive": 0}
    assert zones["average_completeness"] is None
    assert zones["freshness_by_organization"] == {} == zones["completeness_by_organization"]


# --- Reconfirm over HTTP -----------------------------------------------------------------------


@pytest.mark.parametrize("record_type", TYPES)
def test_reconfirm_route_renews_a_stale_record(
    record_type, api, session_client, key_client, org_a, org_b, editor_a, editor_b
):
    record = confirmed_months_ago(published(TYPES[record_type], org_a, editor_a), 13)
    url = f"/api/v1/{record_type}/{record.identifier}/reconfirm/"
    before = api.get(f"/api/v1/{record_type}/{record.identifier}/").json()
    assert api.post(url, {}, format="json").status_code in (401, 403)
    assert session_client(editor_b).post(url, {}, format="json").status_code == 403
    assert key_client(editor_a, org_a, "read").post(url, {}, format="json").status_code == 403
    response = key_client(editor_a, org_a).post(url, {}, format="json")
    assert response.status_code == 200, response.content
    after = response.json()
    assert after["freshness"] == "current" and after["confirmed_at"] > before["confirmed_at"]
    assert after["version"] == before["version"] + 1
    unchanged = {"version", "confirmed_at", "freshness", "updated_at", "missing_fields"}
    assert {k: v for k, v in after.items() if k not in unchanged} == {
        k: v for k, v in before.items() if k not in unchanged
    }
    draft = create(TYPES[record_type], org_a, editor_a, ref="DRAFT")
    draft_url = f"/api/v1/{record_type}/{draft.identifier}/reconfirm/"
    assert session_client(editor_a).post(draft_url, {}, format="json").status_code == 409
    assert session_client(editor_b).post(draft_url, {}, format="json").status_code == 404


# --- Found on the way --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "since, status",
    [
        ("0280-07-01T18:03:32+23:43", 200),  # an offset PostgreSQL would refuse; read as UTC
        ("2025-01-01T00:00:00-15:30", 200),
        ("0001-01-01T00:00:00+23:00", 400),  # before the year 1 in UTC
    ],
)
def test_updated_since_with_any_offset_is_an_answer(api, org_a, editor_a, since, status):
    published(Zone, org_a, editor_a)
    for _ in range(2):  # and the connection still works afterwards
        response = api.get("/api/v1/zones/", {"updated_since": since})
        assert response.status_code == status, response.content
    if status == 400:
        assert "updated_since" in response.json()["errors"]
    else:
        assert len(response.json()["results"]) == 1
