"""Private activity never shows in public metadata (issue 10).

Opening a hidden revision of a published record, submitting it and withdrawing it are the owner's
business: anyone outside the organization (anonymous, another organization's member) must see
the same `version`, `updated_at`, record and list ETags and `?updated_since=` answers as before,
and `changes/` gets no event. The owner's members see every move. Approving the revision changes
the published content, and then everyone's view moves.
"""

from urllib.parse import urlencode

import pytest
from django.utils import timezone

from projects.models import Project
from tests.projects.api.conftest import published


@pytest.fixture
def record(org_a, editor_a):
    return published(Project, org_a, editor_a, ref="TRAIN")


def view(client, record, since):
    """What a caller sees of the record: detail, ETags, and whether updated_since lists it."""
    detail_url = f"/api/v1/projects/{record.identifier}/"
    detail = client.get(detail_url)
    listing = client.get("/api/v1/projects/")
    query = urlencode({"updated_since": since.isoformat()})
    since_ids = [
        row["identifier"] for row in client.get(f"/api/v1/projects/?{query}").json()["results"]
    ]
    row = next(r for r in listing.json()["results"] if r["identifier"] == record.identifier)
    return {
        "version": detail.json()["version"],
        "updated_at": detail.json()["updated_at"],
        "list_version": row["version"],
        "list_updated_at": row["updated_at"],
        "detail_etag": detail["ETag"],
        "list_etag": listing["ETag"],
        "in_updated_since": record.identifier in since_ids,
        "detail_304": client.get(detail_url, HTTP_IF_NONE_MATCH=detail["ETag"]).status_code,
    }


def events(api) -> list:
    return api.get("/api/v1/changes/?page_size=500").json()["results"]


@pytest.fixture
def viewers(api, session_client, editor_a, editor_b):
    return {
        "anonymous": api,
        "outsider": session_client(editor_b),
        "member": session_client(editor_a),
    }


def take(viewers, record, since):
    return {name: view(client, record, since) for name, client in viewers.items()}


def assert_unmoved_outside(before, after, viewers, record):
    for name in ("anonymous", "outsider"):
        assert after[name] == before[name], name
        client = viewers[name]
        url = f"/api/v1/projects/{record.identifier}/"
        assert client.get(url, HTTP_IF_NONE_MATCH=before[name]["detail_etag"]).status_code == 304
        listing = client.get("/api/v1/projects/", HTTP_IF_NONE_MATCH=before[name]["list_etag"])
        assert listing.status_code == 304, name
    member_before, member_after = before["member"], after["member"]
    assert member_after["version"] > member_before["version"]
    assert member_after["updated_at"] > member_before["updated_at"]
    assert member_after["list_etag"] != member_before["list_etag"]
    assert member_after["detail_etag"] != member_before["detail_etag"]
    assert member_after["in_updated_since"]


def test_opening_a_hidden_revision_moves_nothing_outside_the_owner(viewers, record, api):
    since = timezone.now()
    before = take(viewers, record, since)
    assert not before["anonymous"]["in_updated_since"]
    feed = events(api)
    member = viewers["member"]
    url = f"/api/v1/projects/{record.identifier}/"
    assert member.patch(url, {"tags": ["hidden"]}, format="json").status_code == 200
    after = take(viewers, record, since)
    assert_unmoved_outside(before, after, viewers, record)
    assert events(api) == feed


def test_withdrawing_a_hidden_revision_moves_nothing_outside_the_owner(viewers, record, api):
    member = viewers["member"]
    url = f"/api/v1/projects/{record.identifier}/"
    assert member.patch(url, {"tags": ["hidden"]}, format="json").status_code == 200
    since = timezone.now()
    before = take(viewers, record, since)
    feed = events(api)
    assert member.post(f"{url}submit/").status_code == 200
    assert member.post(f"{url}withdraw/").status_code == 200
    after = take(viewers, record, since)
    assert_unmoved_outside(before, after, viewers, record)
    assert events(api) == feed


def test_approving_the_revision_moves_everyone(viewers, record, api, session_client, reviewer):
    member = viewers["member"]
    url = f"/api/v1/projects/{record.identifier}/"
    assert member.patch(url, {"tags": ["public"]}, format="json").status_code == 200
    assert member.post(f"{url}submit/").status_code == 200
    since = timezone.now()
    before = take(viewers, record, since)
    feed = events(api)
    assert session_client(reviewer).post(f"{url}approve/").status_code == 200
    after = take(viewers, record, since)
    for name in viewers:
        assert after[name]["version"] > before[name]["version"], name
        assert after[name]["list_etag"] != before[name]["list_etag"], name
        assert after[name]["in_updated_since"], name
    # Outside the owner the version jumps to the published one, as the feed's event says.
    new_events = events(api)[len(feed) :]
    assert [e["event"] for e in new_events] == ["update"]
    assert new_events[0]["version"] == after["anonymous"]["version"] == after["member"]["version"]
    assert after["anonymous"]["updated_at"] == after["anonymous"]["list_updated_at"]


def test_a_reviewer_acts_on_the_version_it_was_shown(viewers, record, session_client, reviewer):
    """A hidden revision moves only the real version; a reviewer who saw the published one may
    still archive with it as If-Match (it was a 412 before)."""
    url = f"/api/v1/projects/{record.identifier}/"
    desk = session_client(reviewer)
    stale_etag = desk.get(url)["ETag"]
    assert viewers["member"].patch(url, {"tags": ["hidden"]}, format="json").status_code == 200
    shown = desk.get(url)
    assert shown["ETag"] == stale_etag  # the hidden revision is not the reviewer's to see
    archived = desk.post(
        f"{url}archive/", {"comment": "Superseded."}, format="json", HTTP_IF_MATCH=shown["ETag"]
    )
    assert archived.status_code == 200, archived.json()
    assert Project.objects.unscoped("test").get(pk=record.pk).workflow_state == "archived"
