"""`workflow.action_options`: which actions a person may take on a record now, and why not.

Every (state, role) of SPEC 5 and every action: the option is allowed exactly when SPEC 5 says
(the table of tests/projects/test_workflow_matrix.py), and a refused option's reason is the very
message `perform` refuses with. Then the owner admin's request for changes before sign-off
(issue 18), the four-eyes refusals, and the reader's language.
"""

import pytest
from django.utils import translation

from accounts.models import Membership, PlatformRole
from projects.domain import services, workflow
from projects.domain.errors import InvalidTransition
from projects.models import AuditEntry, Project
from registry.errors import DomainError
from registry.tenancy import Actor, NotAllowed, NotVisible
from tests.factories import member
from tests.projects.factories import act, create, place_in_state
from tests.projects.test_workflow_matrix import ROLES, STATES, expected_outcome
from tests.projects.test_workflow_matrix import people as people  # the matrix's cast (fixture)


def options_of(actor, record) -> dict:
    return {option.name: option for option in workflow.action_options(actor, record)}


def refusal_of(actor, record, action) -> DomainError | None:
    try:
        workflow.perform(actor, type(record), record.identifier, action, comment="Reason given.")
    except DomainError as refusal:
        return refusal
    return None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
def test_every_option_is_what_spec_5_says_and_the_reason_is_the_refusal(state, role, people):
    record = create(Project, people["owner"], people["owner_editor"])
    round_people = {}
    if state in ("pending_signoff", "submitted"):
        round_people["submitted_by"] = people["submitter"]
    if state == "submitted":
        round_people["signed_off_by"] = people["signer"]
    record = place_in_state(record, state, **round_people)
    user = people[role]
    actor = Actor.for_user(user) if user else Actor.anonymous()
    options = options_of(actor, record)
    assert list(options) == list(workflow.TRANSITIONS)
    for action, option in options.items():
        expected = expected_outcome(state, action, role)
        # submit's button says where the record goes (issue 18); the others are the vocabulary's.
        if action == "submit":
            assert option.label == workflow.SUBMIT_TO[option.target]
        else:
            assert option.label == workflow.TRANSITIONS[action].label
        assert option.needs_comment == workflow.TRANSITIONS[action].comment_required
        if expected == "not_visible":
            assert isinstance(refusal_of(actor, record, action), NotVisible)
            continue  # a face never asks about a record the person cannot see
        assert option.allowed == (expected not in ("not_allowed", "invalid")), action
        if option.allowed:
            assert option.reason == "" and option.refusal is None
            continue
        refused = refusal_of(actor, record, action)
        assert type(refused) is type(option.refusal), action
        assert option.reason and option.reason == str(refused.message), action
        kind = InvalidTransition if expected == "invalid" else NotAllowed
        assert isinstance(refused, kind), action
    record.refresh_from_db()
    assert record.workflow_state == state and record.version == 1  # nothing was taken


@pytest.fixture
def signoff_project(org_a, editor_a):
    org_a.requires_signoff = True
    org_a.save()
    return act(editor_a, create(Project, org_a, editor_a), "submit")


def test_the_owner_admin_requests_changes_before_sign_off(
    signoff_project, editor_a, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    assert signoff_project.workflow_state == "pending_signoff"
    option = options_of(Actor.for_user(admin_a), signoff_project)["request_changes"]
    assert option.allowed and option.needs_comment
    with django_capture_on_commit_callbacks(execute=True):
        record = act(admin_a, signoff_project, "request_changes", comment="Add the budget.")
    assert record.workflow_state == "changes_requested"
    # The editor who submitted is told, with the comment.
    assert [m.to for m in mailoutbox] == [[editor_a.email]]
    assert "needs changes" in mailoutbox[0].subject and "Add the budget." in mailoutbox[0].body
    # The editor edits in place and submits again: back to sign-off.
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["budget"]})
    assert act(editor_a, record, "submit").workflow_state == "pending_signoff"


def test_the_admin_who_submitted_may_not_request_changes_on_it(signoff_project, editor_a, org_a):
    Membership.objects.unscoped("test").filter(user=editor_a).update(role="admin")
    actor = Actor.for_user(editor_a)
    option = options_of(actor, signoff_project)["request_changes"]
    assert not option.allowed and "four-eyes" in option.reason
    refused = refusal_of(actor, signoff_project, "request_changes")
    assert isinstance(refused, NotAllowed) and str(refused.message) == option.reason
    assert act(member(org_a, "admin"), signoff_project, "request_changes", comment="No.")


def test_an_admin_requests_changes_only_before_sign_off(org_a, editor_a, admin_a):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    assert record.workflow_state == "submitted"  # no sign-off needed: on the platform
    option = options_of(Actor.for_user(admin_a), record)["request_changes"]
    assert not option.allowed and isinstance(option.refusal, InvalidTransition)
    assert "awaiting sign-off" in option.reason and "submitted for review" in option.reason


def test_a_revision_decides_and_is_named_to_its_owners_only(org_a, editor_a, reviewer):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    record = act(reviewer, record, "approve")
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["v2"]})
    owner = options_of(Actor.for_user(editor_a), record)
    assert owner["submit"].allowed and owner["reconfirm"].allowed
    assert owner["withdraw"].reason.endswith("Its pending revision is a draft.")
    # The reviewer may not see the draft revision: their refusal does not mention it.
    for action in ("approve", "request_changes", "reject"):
        option = options_of(Actor.for_user(reviewer), record)[action]
        refused = refusal_of(Actor.for_user(reviewer), record, action)
        assert option.reason == str(refused.message)
        assert "revision" not in option.reason and "it is published" in option.reason
    assert options_of(Actor.for_user(reviewer), record)["archive"].allowed


def test_the_signer_may_not_approve_and_is_told_why(org_a, editor_a, admin_a, reviewer):
    org_a.requires_signoff = True
    org_a.save()
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    admin_a.platform_role = "reviewer"
    admin_a.save()
    record = act(admin_a, record, "signoff")
    option = options_of(Actor.for_user(admin_a), record)["approve"]
    assert not option.allowed and "you signed it off" in option.reason
    assert str(refusal_of(Actor.for_user(admin_a), record, "approve").message) == option.reason
    assert workflow.permits(Actor.for_user(reviewer), "approve", record, None)
    assert not workflow.permits(Actor.for_user(admin_a), "approve", record, None)


def test_reasons_read_in_the_readers_language_and_the_log_in_english(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    viewer = Actor.for_user(member(org_a, "viewer"))
    option = options_of(viewer, record)["submit"]
    with translation.override("zh-hans"):
        assert option.reason == "只有所属机构的编辑或管理员可以提交此记录。"
        refused = refusal_of(viewer, record, "submit")
    with translation.override("ru"):
        assert "редактор или администратор" in str(refused.message)
    note = AuditEntry.objects.unscoped("test").filter(action="refused").get()
    assert note.comment == "submit: Only the owner editor may submit this record."


def test_signed_out_and_read_only_keys_are_told_so(org_a, editor_a, reviewer):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    record = act(reviewer, record, "approve")
    anonymous = options_of(Actor.anonymous(), record)["archive"]
    assert not anonymous.allowed and "Sign in" in anonymous.reason
    read_only = Actor.for_user(editor_a, scopes={"read"})
    option = options_of(read_only, record)["reconfirm"]
    assert not option.allowed and "read scope" in option.reason
    assert str(refusal_of(read_only, record, "reconfirm").message) == option.reason


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["signoff", "approve"])
def test_what_awaits_a_person_is_what_the_workflow_lets_them_do(action, org_a, editor_a):
    """workflow.awaiting (the dashboard's lists in SQL) says what perform permits: the rule's
    states, less the rounds the four-eyes rule keeps from this person."""
    state = {"signoff": "pending_signoff", "approve": "submitted"}[action]
    other = member(org_a, "admin", username=f"other-{action}")
    person = member(org_a, "admin", username=f"person-{action}")
    if action == "approve":
        for user in (other, person):
            user.platform_role = PlatformRole.REVIEWER
            user.save()
    mine = place_in_state(create(Project, org_a, editor_a, ref="MINE"), state)
    theirs = place_in_state(create(Project, org_a, editor_a, ref="THEIRS"), state)
    Project.objects.unscoped("test").filter(pk=mine.pk).update(submitted_by=person)
    Project.objects.unscoped("test").filter(pk=theirs.pk).update(submitted_by=other)
    states, condition = workflow.awaiting(action, person.pk)
    listed = set(
        Project.objects.unscoped("test")
        .filter(condition, workflow_state__in=states)
        .values_list("pk", flat=True)
    )
    actor = Actor.for_user(person)
    permitted = {
        record.pk
        for record in (mine, theirs)
        if workflow.permits(actor, action, Project.objects.unscoped("test").get(pk=record.pk), None)
    }
    assert listed == permitted == {theirs.pk}
