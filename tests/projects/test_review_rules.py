"""Sign-off, four-eyes rules, pending revisions and notifications (SPEC 5)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership, PlatformRole
from projects.domain import revisions, services, workflow
from projects.domain.errors import InvalidTransition, RecordLocked, StaleVersion
from projects.models import Project, ProjectZone, Revision, Zone
from registry.tenancy import Actor, NotAllowed, NotVisible, visible
from tests.factories import member
from tests.projects.factories import act, create, project_data


@pytest.fixture
def signoff_org(org_a):
    org_a.requires_signoff = True
    org_a.save()
    return org_a


def published(org, editor_a, reviewer, model=Project):
    record = create(model, org, editor_a)
    act(editor_a, record, "submit")
    return act(reviewer, record, "approve")


# --- Sign-off -----------------------------------------------------------------------------------


def test_editor_submission_waits_for_signoff(signoff_org, editor_a, admin_a, reviewer):
    record = act(editor_a, create(Project, signoff_org, editor_a), "submit")
    assert record.workflow_state == "pending_signoff"
    # Not on the platform yet: the reviewer does not see it.
    with pytest.raises(NotVisible):
        act(reviewer, record, "approve")
    record = act(admin_a, record, "signoff")
    assert record.workflow_state == "submitted"
    assert record.signed_off_by == admin_a


def test_admin_submission_skips_signoff(signoff_org, admin_a):
    record = act(admin_a, create(Project, signoff_org, admin_a), "submit")
    assert record.workflow_state == "submitted"


def test_submitter_cannot_sign_off(signoff_org, editor_a, admin_a):
    other_admin = member(signoff_org, "admin")
    # An admin's submission skips sign-off, so build a pending one through an editor, then let
    # the editor become an admin: they still may not sign off their own submission.
    record = act(editor_a, create(Project, signoff_org, editor_a), "submit")
    Membership.objects.unscoped("test").filter(user=editor_a).update(role="admin")
    with pytest.raises(NotAllowed) as error:
        act(editor_a, record, "signoff")
    assert "four-eyes" in error.value.message
    assert act(other_admin, record, "signoff").workflow_state == "submitted"


def test_submitter_cannot_approve(org_a, reviewer):
    # A reviewer who is also an editor of the owner submits; they may not approve it.
    member_reviewer = member(org_a, "editor", username="editing-reviewer")
    member_reviewer.platform_role = PlatformRole.REVIEWER
    member_reviewer.save()
    record = act(member_reviewer, create(Project, org_a, member_reviewer), "submit")
    assert "approve" not in workflow.available_actions(Actor.for_user(member_reviewer), record)
    with pytest.raises(NotAllowed) as error:
        act(member_reviewer, record, "approve")
    assert "you submitted it" in error.value.message
    assert act(reviewer, record, "approve").workflow_state == "published"


def test_signer_cannot_approve(signoff_org, editor_a, reviewer):
    signer = member(signoff_org, "admin", username="signing-reviewer")
    signer.platform_role = PlatformRole.REVIEWER
    signer.save()
    record = act(editor_a, create(Project, signoff_org, editor_a), "submit")
    act(signer, record, "signoff")
    with pytest.raises(NotAllowed) as error:
        act(signer, record, "approve")
    assert "you signed it off" in error.value.message
    assert act(reviewer, record, "approve").workflow_state == "published"


def test_withdraw_and_resubmit(org_a, editor_a, reviewer):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    record = act(editor_a, record, "withdraw")
    assert record.workflow_state == "draft" and record.submitted_by is None
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["second"]})
    assert act(editor_a, record, "submit").workflow_state == "submitted"


def test_changes_requested_then_edit_in_place(org_a, editor_a, reviewer):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    record = act(reviewer, record, "request_changes", comment="Add the Chinese summary.")
    assert record.workflow_state == "changes_requested"
    record = services.update_record(
        Actor.for_user(editor_a),
        record,
        {"summary": {"en": "First train.", "zh": "首趟专列"}},
        expected_version=record.version,
    )
    assert record.summary["zh"] == "首趟专列"
    assert act(editor_a, record, "submit").workflow_state == "submitted"


def test_rejected_reopened_by_admin_only(org_a, editor_a, admin_a, reviewer):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    record = act(reviewer, record, "reject", comment="Duplicate of CN-XIAN-P-0002.")
    with pytest.raises(RecordLocked):
        services.update_record(Actor.for_user(editor_a), record, {"tags": []})
    with pytest.raises(NotAllowed):
        act(editor_a, record, "reopen")
    assert act(admin_a, record, "reopen").workflow_state == "draft"


def test_archive_needs_comment_and_keeps_it_public(org_a, editor_a, admin_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    with pytest.raises(ValidationError):
        act(admin_a, record, "archive")
    record = act(admin_a, record, "archive", comment="The route closed in 2026.")
    assert record.workflow_state == "archived"
    assert visible(Actor.anonymous(), Project).filter(pk=record.pk).exists()
    with pytest.raises(RecordLocked):
        services.update_record(Actor.for_user(editor_a), record, {"tags": []})


def test_reconfirm_renews_confirmed_at(org_a, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    before = record.confirmed_at
    record = act(editor_a, record, "reconfirm")
    assert record.confirmed_at > before and record.workflow_state == "published"


def test_expected_version_on_actions(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    with pytest.raises(StaleVersion):
        act(editor_a, record, "submit", expected_version=7)
    record.refresh_from_db()
    assert record.workflow_state == "draft"
    assert act(editor_a, record, "submit", expected_version=1).workflow_state == "submitted"


def test_unknown_action(org_a, editor_a):
    record = create(Project, org_a, editor_a)
    with pytest.raises(InvalidTransition):
        act(editor_a, record, "publish_now")


def test_delete_drafts_only(org_a, editor_a, reviewer):
    draft = create(Project, org_a, editor_a)
    services.delete_record(Actor.for_user(editor_a), draft)
    assert not Project.objects.unscoped("test").filter(pk=draft.pk).exists()
    record = published(org_a, editor_a, reviewer)
    with pytest.raises(RecordLocked):
        services.delete_record(Actor.for_user(editor_a), record)


def test_history_is_for_members_and_reviewers(org_a, org_b, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    assert len(workflow.history(Actor.for_user(reviewer), record)) == 3
    with pytest.raises(NotAllowed):
        workflow.history(Actor.for_user(member(org_b, "admin")), record)
    with pytest.raises(NotAllowed):
        workflow.history(Actor.anonymous(), record)


# --- Pending revisions --------------------------------------------------------------------------


def test_revision_is_locked_while_submitted(org_a, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["v2"]})
    record = act(editor_a, record, "submit")
    with pytest.raises(RecordLocked):
        services.update_record(Actor.for_user(editor_a), record, {"tags": ["v3"]})
    record = act(editor_a, record, "withdraw")
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["v3"]})
    assert revisions.proposed_content(record)["tags"] == ["v3"]
    assert record.tags == ["rail", "summit-outcome"]


def test_rejected_revision_keeps_published_content(org_a, editor_a, admin_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    record = services.update_record(Actor.for_user(editor_a), record, {"countries": ["CN"]})
    record = act(editor_a, record, "submit")
    record = act(reviewer, record, "reject", comment="Kazakhstan is a partner.")
    assert record.workflow_state == "published" and record.countries == ["CN", "KZ"]
    with pytest.raises(RecordLocked):
        services.update_record(Actor.for_user(editor_a), record, {"tags": []})
    record = act(admin_a, record, "reopen")
    revision = Revision.objects.unscoped("test").get(object_id=record.pk)
    assert revision.state == "draft"


def test_revision_submit_checks_completeness(org_a, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    record = services.update_record(
        Actor.for_user(editor_a), record, {"locations": [], "summary": {}}
    )
    with pytest.raises(ValidationError) as error:
        act(editor_a, record, "submit")
    assert {"locations", "summary"} <= set(error.value.message_dict)


def test_published_without_revision_cannot_be_submitted(org_a, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    with pytest.raises(InvalidTransition) as error:
        act(editor_a, record, "submit")
    assert "no pending revision" in error.value.message


def test_archive_discards_the_open_revision(org_a, editor_a, admin_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["v2"]})
    act(admin_a, record, "archive", comment="Ended.")
    assert Revision.objects.unscoped("test").get(object_id=record.pk).state == "discarded"


def test_revision_links_apply_on_approval(org_a, editor_a, reviewer):
    zone = published(org_a, editor_a, reviewer, model=Zone)
    record = published(org_a, editor_a, reviewer)
    record = services.update_record(Actor.for_user(editor_a), record, {"zones": [zone.identifier]})
    public_links = visible(Actor.anonymous(), ProjectZone).filter(project=record)
    assert not public_links.exists()
    assert revisions.diff(record) == [
        {"field": "zones", "published": [], "proposed": [zone.identifier]}
    ]
    act(editor_a, record, "submit")
    act(reviewer, record, "approve")
    assert [link.zone_id for link in public_links] == [zone.pk]


def test_reviewer_does_not_see_draft_revision_in_queue(org_a, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    services.update_record(Actor.for_user(editor_a), record, project_data(tags=["draft"]))
    assert workflow.review_queue(Actor.for_user(reviewer)) == []
    assert workflow.review_queue(Actor.for_user(editor_a)) == []


# --- Notifications ------------------------------------------------------------------------------


def test_signoff_request_mails_the_admins(
    signoff_org, editor_a, admin_a, mailoutbox, django_capture_on_commit_callbacks
):
    record = create(Project, signoff_org, editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        act(editor_a, record, "submit")
    assert [m.to for m in mailoutbox] == [["admin@xian.example"]]
    assert "sign-off" in mailoutbox[0].subject


def test_submission_mails_the_reviewers(
    org_a, editor_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    record = create(Project, org_a, editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        act(editor_a, record, "submit")
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assert "review" in mailoutbox[0].subject


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject"])
def test_decision_mails_the_submitter(
    action, org_a, editor_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    record = act(editor_a, create(Project, org_a, editor_a), "submit")
    with django_capture_on_commit_callbacks(execute=True):
        act(reviewer, record, action, comment="See the note.")
    assert [m.to for m in mailoutbox] == [["editor@xian.example"]]
    assert "See the note." in mailoutbox[0].body


def test_refused_action_sends_nothing(
    org_a, editor_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    record = create(Project, org_a, editor_a, summary={})
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        act(editor_a, record, "submit")
    assert mailoutbox == []


def test_refusal_does_not_reveal_a_private_revision(org_a, editor_a, reviewer):
    record = published(org_a, editor_a, reviewer)
    record = services.update_record(Actor.for_user(editor_a), record, {"tags": ["draft"]})
    with pytest.raises(InvalidTransition) as error:
        act(reviewer, record, "approve")
    assert "revision" not in error.value.message and "it is published" in error.value.message
    with pytest.raises(InvalidTransition) as error:
        act(editor_a, record, "withdraw")
    assert "its pending revision is a draft" in error.value.message.lower()
