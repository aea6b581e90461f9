"""Workflow actions, history, participants and the review queue over HTTP.

The role-by-action matrix is derived from `projects.domain.workflow.TRANSITIONS` (the table the code
runs on): for each action and each kind of caller, the answer is 200 when the caller holds one
of the action's roles, 404 when the record does not exist for them (SPEC 3), else 403 (401 when
signed out).
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import PlatformRole
from projects.domain.workflow import TRANSITIONS
from projects.models import Contact, Project, Zone
from tests.factories import UserFactory, member
from tests.projects.api.conftest import published
from tests.projects.factories import create, place_in_state

CALLERS = (
    "owner_admin",
    "owner_editor",
    "owner_viewer",
    "other_admin",
    "reviewer",
    "platform_admin",
    "anonymous",
)
# Which tenancy role names each kind of caller holds towards the record's owner.
HOLDS = {
    "owner_admin": {"owner_admin", "owner_editor", "owner_member"},
    "owner_editor": {"owner_editor", "owner_member"},
    "owner_viewer": {"owner_member"},
    "other_admin": set(),
    "reviewer": {"reviewer"},
    "platform_admin": {"platform_admin"},
    "anonymous": set(),
}
# SPEC 3: the states each kind of caller sees.
PUBLIC = {"published", "archived"}
PLATFORM = {"submitted", "changes_requested", "rejected", "published", "archived"}
ALL_STATES = PLATFORM | {"draft", "pending_signoff"}
SEES = {
    "owner_admin": ALL_STATES,
    "owner_editor": ALL_STATES,
    "owner_viewer": ALL_STATES,
    "other_admin": PUBLIC,
    "reviewer": PLATFORM,
    "platform_admin": ALL_STATES,
    "anonymous": PUBLIC,
}
MATRIX = [
    (action, state, caller)
    for action, transition in TRANSITIONS.items()
    for state in transition.sources
    for caller in CALLERS
]


@pytest.fixture
def people(org_a, org_b, secretariat, session_client, api):
    reviewer = member(secretariat, "viewer", username="rev")
    reviewer.platform_role = PlatformRole.REVIEWER
    reviewer.save()
    boss = member(secretariat, "admin", username="boss")
    boss.platform_role = PlatformRole.PLATFORM_ADMIN
    boss.save()
    users = {
        "owner_admin": member(org_a, "admin"),
        "owner_editor": member(org_a, "editor"),
        "owner_viewer": member(org_a, "viewer"),
        "other_admin": member(org_b, "admin"),
        "reviewer": reviewer,
        "platform_admin": boss,
    }
    # Someone else submitted and signed off, so no four-eyes rule gets in the matrix's way.
    users["submitter"] = member(org_a, "editor")
    users["signer"] = member(org_a, "admin")
    clients = {name: session_client(user) for name, user in users.items()}
    clients["anonymous"] = api
    return users, clients


def expected_status(action: str, caller: str, state: str) -> int:
    if state not in SEES[caller]:
        return 404
    rules = [rule for rule in TRANSITIONS[action].rules if HOLDS[caller] & set(rule.roles)]
    if any(state in rule.sources for rule in rules):
        return 200
    if rules:  # theirs to take, from another state (request_changes: admins before sign-off)
        return 409
    return 401 if caller == "anonymous" else 403


@pytest.mark.parametrize("action, state, caller", MATRIX)
def test_role_by_action_matrix(action, state, caller, people, org_a):
    users, clients = people
    transition = TRANSITIONS[action]
    record = create(Project, org_a, users["submitter"], ref="M-1")
    place_in_state(record, state, submitted_by=users["submitter"], signed_off_by=users["signer"])
    slug = action.replace("_", "-")
    response = clients[caller].post(
        f"/api/v1/projects/{record.identifier}/{slug}/", {"comment": "ok"}, format="json"
    )
    assert response.status_code == expected_status(action, caller, state), response.content
    after = Project.objects.unscoped("test").get(pk=record.pk)
    if response.status_code == 200:
        assert response.json()["workflow_state"] == transition.target
        assert after.workflow_state == transition.target
    else:
        assert after.workflow_state == state
        assert response.json()["code"]


@pytest.mark.parametrize("model", [Zone, Contact])
def test_submit_and_approve_other_types(model, people, org_a):
    users, clients = people
    record = create(model, org_a, users["owner_editor"], ref="T-1")
    base = f"/api/v1/{model.record_type}/{record.identifier}"
    assert clients["owner_editor"].post(f"{base}/submit/").status_code == 200
    response = clients["reviewer"].post(f"{base}/approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["workflow_state"] == "published"


def test_four_eyes_refusal_is_403_and_changes_nothing(people, org_a):
    """Refused because of who acts (SPEC 6): the submitter may not approve their own record."""
    users, clients = people
    editing_reviewer = member(org_a, "editor", username="editing-reviewer")
    editing_reviewer.platform_role = PlatformRole.REVIEWER
    editing_reviewer.save()
    client = APIClient()
    client.force_login(editing_reviewer)
    record = create(Project, org_a, editing_reviewer, ref="OWN")
    url = f"/api/v1/projects/{record.identifier}"
    assert client.post(f"{url}/submit/").status_code == 200
    refused = client.post(f"{url}/approve/")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert "four-eyes" in refused.json()["detail"]
    assert client.get(f"{url}/").json()["workflow_state"] == "submitted"


def test_invalid_transition_is_409_and_missing_comment_400(people, org_a):
    users, clients = people
    record = published(Project, org_a, users["owner_editor"], ref="P")
    url = f"/api/v1/projects/{record.identifier}"
    again = clients["reviewer"].post(f"{url}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    no_comment = clients["reviewer"].post(f"{url}/archive/", {}, format="json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["errors"]
    unknown = clients["reviewer"].post(f"{url}/archive/", {"note": "x"}, format="json")
    assert unknown.status_code == 400 and "note" in unknown.json()["errors"]
    assert Project.objects.unscoped("test").get(pk=record.pk).workflow_state == "published"


def test_action_with_stale_if_match_is_412(people, org_a):
    users, clients = people
    record = create(Project, org_a, users["owner_editor"], ref="P")
    url = f"/api/v1/projects/{record.identifier}"
    etag = clients["owner_editor"].get(f"{url}/")["ETag"]
    clients["owner_editor"].patch(f"{url}/", {"tags": ["new"]}, format="json")
    stale = clients["owner_editor"].post(f"{url}/submit/", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Project.objects.unscoped("test").get(pk=record.pk).workflow_state == "draft"
    fresh = clients["owner_editor"].get(f"{url}/")["ETag"]
    assert clients["owner_editor"].post(f"{url}/submit/", HTTP_IF_MATCH=fresh).status_code == 200


def test_revision_round_trip_and_history(people, org_a, api):
    users, clients = people
    record = published(Project, org_a, users["owner_editor"], ref="P")
    url = f"/api/v1/projects/{record.identifier}"
    editor, reviewer = clients["owner_editor"], clients["reviewer"]
    editor.patch(f"{url}/", {"title": {"en": "Revised"}}, format="json")
    assert editor.post(f"{url}/submit/").status_code == 200
    assert api.get(f"{url}/").json()["title"]["en"] != "Revised"
    assert reviewer.post(f"{url}/approve/").status_code == 200
    assert api.get(f"{url}/").json()["title"] == {"en": "Revised"}
    history = editor.get(f"{url}/history/")
    assert history.status_code == 200
    actions = [entry["action"] for entry in history.json()["results"]]
    assert actions[-3:] == ["revise", "submit", "approve"]
    assert history.json()["results"][-1]["actor"] == "rev"
    # Signed out or another organization: the record is public, its history is not theirs.
    assert api.get(f"{url}/history/").status_code == 401
    assert clients["other_admin"].get(f"{url}/history/").status_code == 403


def test_history_of_unseen_record_is_404(people, org_a):
    users, clients = people
    draft = create(Project, org_a, users["owner_editor"], ref="D")
    for caller in ("other_admin", "reviewer", "anonymous"):
        response = clients[caller].get(f"/api/v1/projects/{draft.identifier}/history/")
        assert response.status_code == 404


def test_participation_confirm_and_decline(people, org_a, org_b):
    users, clients = people
    project = create(Project, org_a, users["owner_editor"], ref="P")
    base = f"/api/v1/projects/{project.identifier}/participants/"
    editor = clients["owner_editor"]
    response = editor.post(base, {"organization": "almaty", "role": "partner"}, format="json")
    assert response.status_code == 201, response.content
    pid = response.json()["id"]
    assert response.json()["status"] == "pending" and response.json()["confirmed"] is False
    # B's admin sees the request even though A's draft is not theirs to read.
    outsider = member(org_b, "editor")
    from rest_framework.test import APIClient

    b_editor = APIClient()
    b_editor.force_login(outsider)
    assert b_editor.post(f"{base}{pid}/confirm/").status_code == 403
    assert editor.post(f"{base}{pid}/confirm/").status_code == 403
    confirmed = clients["other_admin"].post(f"{base}{pid}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = clients["other_admin"].post(f"{base}{pid}/decline/")
    assert again.status_code == 409
    listed = editor.get(base).json()["results"]
    assert [row["organization"] for row in listed] == ["almaty"]
    assert clients["anonymous"].post(f"{base}{pid}/confirm/").status_code == 404


def test_participation_decline_and_bad_requests(people, org_a, org_b):
    users, clients = people
    project = create(Project, org_a, users["owner_editor"], ref="P")
    base = f"/api/v1/projects/{project.identifier}/participants/"
    editor = clients["owner_editor"]
    assert (
        editor.post(base, {"organization": "nope", "role": "partner"}, format="json").status_code
        == 400
    )
    assert (
        editor.post(base, {"organization": "almaty", "role": "king"}, format="json").status_code
        == 400
    )
    assert editor.post(base, {"organization": "almaty", "x": 1}, format="json").status_code == 400
    pid = editor.post(base, {"organization": "almaty", "role": "funder"}, format="json").json()[
        "id"
    ]
    declined = clients["other_admin"].post(f"{base}{pid}/decline/")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert clients["other_admin"].post(f"{base}999999/confirm/").status_code == 404


def test_review_queue(people, org_a):
    users, clients = people
    record = create(Project, org_a, users["owner_editor"], ref="Q")
    clients["owner_editor"].post(f"/api/v1/projects/{record.identifier}/submit/")
    queue = clients["reviewer"].get("/api/v1/review-queue/")
    assert queue.status_code == 200
    assert [item["identifier"] for item in queue.json()["results"]] == [record.identifier]
    assert queue.json()["results"][0]["type"] == "projects"
    etag = queue["ETag"]
    assert (
        clients["reviewer"].get("/api/v1/review-queue/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    assert clients["owner_editor"].get("/api/v1/review-queue/").json()["results"] == []
    assert clients["anonymous"].get("/api/v1/review-queue/").status_code == 401


def test_unknown_user_without_membership_gets_403_not_500(session_client, org_a, editor_a):
    record = create(Project, org_a, editor_a, ref="P")
    place_in_state(record, "published")
    stranger = session_client(UserFactory())
    response = stranger.post(
        f"/api/v1/projects/{record.identifier}/archive/", {"comment": "x"}, format="json"
    )
    assert response.status_code == 403


# Who may take each action, as a caller kind of the `people` fixture (first role that holds it).
def allowed_caller(action: str, state: str) -> str:
    for caller in ("owner_editor", "owner_admin", "reviewer"):
        if expected_status(action, caller, state) == 200:
            return caller
    raise AssertionError(f"no caller may {action}")


@pytest.mark.parametrize("model", [Project, Zone, Contact])
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_route_of_every_type(model, action, people, org_a):
    users, clients = people
    transition = TRANSITIONS[action]
    record = create(model, org_a, users["submitter"], ref="R-1")
    place_in_state(
        record,
        transition.sources[0],
        submitted_by=users["submitter"],
        signed_off_by=users["signer"],
    )
    slug = action.replace("_", "-")
    response = clients[allowed_caller(action, transition.sources[0])].post(
        f"/api/v1/{model.record_type}/{record.identifier}/{slug}/", {"comment": "ok"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["workflow_state"] == transition.target
    assert response["ETag"].startswith(f'"{record.version + 1}-')


def test_a_refusal_speaks_the_requests_language(people, org_a):
    """The API's refusal is the domain's reason (workflow.action_options gives the same), in
    English unless the request asks for another language."""
    users, clients = people
    record = create(Project, org_a, users["owner_editor"], ref="L-1")
    url = f"/api/v1/projects/{record.identifier}/submit/"
    english = clients["owner_viewer"].post(url)
    assert english.status_code == 403
    assert english.json()["detail"] == "Only the owner editor may submit this record."
    chinese = clients["owner_viewer"].post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 403 and chinese.json()["code"] == "not_allowed"
    assert chinese.json()["detail"] == "只有所属机构的编辑或管理员可以提交此记录。"


def test_the_owner_admin_requests_changes_before_sign_off(people, org_a):
    users, clients = people
    org_a.requires_signoff = True
    org_a.save()
    record = create(Project, org_a, users["owner_editor"], ref="S-1")
    url = f"/api/v1/projects/{record.identifier}"
    assert clients["owner_editor"].post(f"{url}/submit/").json()["workflow_state"] == (
        "pending_signoff"
    )
    no_comment = clients["owner_admin"].post(f"{url}/request-changes/", {}, format="json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["errors"]
    response = clients["owner_admin"].post(
        f"{url}/request-changes/", {"comment": "Add the budget."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["workflow_state"] == "changes_requested"


def test_the_admin_who_submitted_may_not_send_it_back_and_not_after_sign_off(people, org_a):
    """The API's action endpoint follows the domain (issue 18): the admin who submitted is
    refused (403, four-eyes); after sign-off, an admin's request changes is the wrong state
    (409); the reviewer then may."""
    users, clients = people
    org_a.requires_signoff = True
    org_a.save()
    record = create(Project, org_a, users["owner_editor"], ref="S-2")
    place_in_state(record, "pending_signoff", submitted_by=users["owner_admin"])
    url = f"/api/v1/projects/{record.identifier}/request-changes/"
    body = {"comment": "Add the budget."}
    refused = clients["owner_admin"].post(url, body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert "you submitted it" in refused.json()["detail"]
    assert (
        clients["signer"].post(f"/api/v1/projects/{record.identifier}/signoff/").status_code == 200
    )
    late = clients["signer"].post(url, body, format="json")
    assert late.status_code == 409 and late.json()["code"]
    assert clients["reviewer"].post(url, body, format="json").status_code == 200
    assert Project.objects.unscoped("test").get(pk=record.pk).workflow_state == "changes_requested"
