"""A refused action on a private record is written to that record's audit log (and nothing else
about the record changes); refusals on public records are not logged."""

import pytest

from projects.models import AuditEntry, Project
from tests.factories import member
from tests.projects.api.conftest import published
from tests.projects.factories import create


def refusals(record) -> list[tuple[str | None, str]]:
    entries = AuditEntry.objects.unscoped("test: the record's refusals").filter(
        object_id=record.pk, action="refused"
    )
    return [(entry.actor.username if entry.actor else None, entry.comment) for entry in entries]


@pytest.fixture
def draft(org_a, editor_a):
    return create(Project, org_a, editor_a, ref="DRAFT")


@pytest.mark.parametrize(
    "method, path, body, action",
    [
        ("post", "submit/", {}, "submit"),
        ("post", "approve/", {}, "approve"),
        ("patch", "", {"tags": ["x"]}, "change"),
        ("delete", "", None, "delete"),
    ],
)
def test_an_outsiders_attempt_on_a_draft_is_404_and_logged(
    session_client, draft, editor_b, method, path, body, action
):
    url = f"/api/v1/projects/{draft.identifier}/{path}"
    response = getattr(session_client(editor_b), method)(url, body, format="json")
    assert response.status_code == 404
    assert refusals(draft) == [("editor-b", f"{action}: the record is not visible to this caller")]


def test_a_viewers_attempt_is_403_and_logged_with_the_reason(session_client, org_a, draft):
    viewer = member(org_a, "viewer", username="viewer-a")
    client = session_client(viewer)
    url = f"/api/v1/projects/{draft.identifier}/"
    assert client.post(f"{url}submit/").status_code == 403
    assert client.patch(url, {"tags": ["x"]}, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    logged = refusals(draft)
    assert [comment.split(":")[0] for _, comment in logged] == ["submit", "change", "delete"]
    # The reason the caller got, e.g. "submit: Only the owner editor may submit ...".
    assert all(who == "viewer-a" and "Only the owner editor" in comment for who, comment in logged)


def test_a_refusal_changes_nothing_else_about_the_record(session_client, draft, editor_b):
    before = Project.objects.unscoped("test").get(pk=draft.pk)
    session_client(editor_b).post(f"/api/v1/projects/{draft.identifier}/submit/")
    after = Project.objects.unscoped("test").get(pk=draft.pk)
    assert (after.version, after.updated_at, after.workflow_state) == (
        before.version,
        before.updated_at,
        before.workflow_state,
    )


def test_the_owner_reads_the_refusal_in_the_history(session_client, draft, editor_a, editor_b):
    session_client(editor_b).post(f"/api/v1/projects/{draft.identifier}/approve/")
    history = session_client(editor_a).get(f"/api/v1/projects/{draft.identifier}/history/")
    actions = [entry["action"] for entry in history.json()["results"]]
    assert actions == ["create", "refused"]


def test_refusals_on_public_records_are_not_logged(api, session_client, org_a, editor_a, editor_b):
    record = published(Project, org_a, editor_a, ref="PUBLIC")
    url = f"/api/v1/projects/{record.identifier}/"
    assert api.post(f"{url}archive/", {"comment": "x"}, format="json").status_code == 401
    client = session_client(editor_b)
    assert client.patch(url, {"tags": ["x"]}, format="json").status_code == 403
    assert refusals(record) == []
