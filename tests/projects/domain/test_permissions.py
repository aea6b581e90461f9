"""`permissions.may_edit`, `may_delete`, `may_discard_revision`: the answer a face shows is the
refusal the service raises (SPEC 5: drafts and changes requested are edited in place, published
records through their revision, the rest is locked; only drafts are deleted)."""

import pytest

from projects.domain import permissions, revisions, services
from projects.domain.errors import RecordLocked
from projects.models import Project
from registry.errors import DomainError
from registry.tenancy import Actor, NotAllowed
from tests.factories import member
from tests.projects.factories import act, create, place_in_state

STATES = ("draft", "pending_signoff", "submitted", "changes_requested", "rejected", "archived")
EDITABLE = {"draft", "changes_requested"}


def refusal(call) -> DomainError | None:
    try:
        call()
    except DomainError as error:
        return error
    return None


def open_revision(actor, record):
    return revisions.pending_revisions(actor, Project, [record]).get(record.pk)


@pytest.mark.parametrize("state", STATES)
def test_editing_in_place_or_locked(state, org_a, editor_a):
    record = place_in_state(create(Project, org_a, editor_a), state)
    actor = Actor.for_user(editor_a)
    answer = permissions.may_edit(actor, record, None)
    assert answer.allowed == (state in EDITABLE)
    refused = refusal(lambda: services.update_record(actor, record, {"tags": ["new"]}))
    assert (refused is None) == answer.allowed
    if refused is not None:
        assert isinstance(refused, RecordLocked) and str(refused.message) == answer.reason


def test_a_published_record_is_edited_through_its_revision_until_it_is_submitted(
    org_a, editor_a, reviewer
):
    actor = Actor.for_user(editor_a)
    record = act(reviewer, act(editor_a, create(Project, org_a, editor_a), "submit"), "approve")
    assert permissions.may_edit(actor, record, None).allowed
    record = services.update_record(actor, record, {"tags": ["v2"]})
    assert permissions.may_edit(actor, record, open_revision(actor, record)).allowed
    assert permissions.may_discard_revision(actor, record, open_revision(actor, record)).allowed
    record = act(editor_a, record, "submit")
    revision = open_revision(actor, record)
    for answer, call in (
        (
            permissions.may_edit(actor, record, revision),
            lambda: services.update_record(actor, record, {"tags": ["v3"]}),
        ),
        (
            permissions.may_discard_revision(actor, record, revision),
            lambda: services.discard_revision(actor, record),
        ),
    ):
        refused = refusal(call)
        assert not answer.allowed and str(refused.message) == answer.reason
    assert "submitted for review and locked" in permissions.may_edit(actor, record, revision).reason


def test_nothing_to_discard(org_a, editor_a):
    actor = Actor.for_user(editor_a)
    record = create(Project, org_a, editor_a)
    answer = permissions.may_discard_revision(actor, record, None)
    refused = refusal(lambda: services.discard_revision(actor, record))
    assert not answer.allowed and str(refused.message) == answer.reason


@pytest.mark.parametrize("state", STATES)
def test_only_drafts_are_deleted(state, org_a, editor_a):
    record = place_in_state(create(Project, org_a, editor_a), state)
    actor = Actor.for_user(editor_a)
    answer = permissions.may_delete(actor, record)
    assert answer.allowed == (state == "draft")
    if not answer.allowed:
        refused = refusal(lambda: services.delete_record(actor, record))
        assert isinstance(refused, RecordLocked) and str(refused.message) == answer.reason


def test_who_may_comes_before_what_state(org_a, editor_a):
    """A viewer is refused for their role (403), as the services refuse them, in any state."""
    record = create(Project, org_a, editor_a)
    viewer = Actor.for_user(member(org_a, "viewer"))
    for answer, call in (
        (
            permissions.may_edit(viewer, record, None),
            lambda: services.update_record(viewer, record, {"tags": []}),
        ),
        (permissions.may_delete(viewer, record), lambda: services.delete_record(viewer, record)),
    ):
        refused = refusal(call)
        assert isinstance(refused, NotAllowed) and not answer.allowed
        assert str(refused.message) == answer.reason
