"""What a person may do with a record now, and why not: the questions every face asks (SPEC 5).

Faces never decide; they ask here, and the services refuse with the very same answer:

* the workflow's actions: `projects.domain.workflow.action_options` (beside TRANSITIONS, and the
  evaluation `perform` refuses with), one `Permission` per action;
* editing, deleting and discarding a pending revision: `may_edit`, `may_delete`,
  `may_discard_revision` below. Their rules (`edit_refusal`, `delete_refusal`,
  `discard_refusal`) are the one statement of each: `services.update_record`,
  `revisions.revise`, `services.delete_record` and `services.discard_revision` raise what they
  return, after the boundary's role check, in the same order as here.

A `Permission` is easy to render: a name, the label of its button, whether it is allowed, and
if not, why, in the reader's language (the message the service would refuse with).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from projects.choices import (
    EDITABLE_REVISION_STATES,
    EDITABLE_STATES,
    RevisionState,
    WorkflowState,
)
from projects.domain.errors import RecordLocked
from projects.models import Record, Revision
from registry.errors import DomainError
from registry.tenancy import Actor, allowed, refusal


@dataclass(frozen=True)
class Permission:
    """One thing a face may offer a person on a record: allowed now, or why not."""

    name: str  # the action: a TRANSITIONS name, or edit / delete / discard_revision
    label: str  # its button, in the reader's language
    allowed: bool
    refusal: DomainError | None = None  # what the service raises if it is tried anyway
    needs_comment: bool = False
    # Refused only because of who this person is in the current round (the four-eyes rule):
    # theirs to take otherwise, so a face names it with the reason (issue 18).
    personal: bool = False
    # Where the action takes the record (a WorkflowState; "" for edit, delete, discard).
    target: str = ""
    # No action leads back from where it goes: a face asks for confirmation first.
    final: bool = False

    @property
    def reason(self) -> str:
        """Why not, in the reader's language ("" when allowed)."""
        return "" if self.refusal is None else str(self.refusal.message)


def permission(name: str, label, refused: DomainError | None, *, needs_comment=False, **more):
    return Permission(name, label, refused is None, refused, needs_comment, **more)


# --- The rules -----------------------------------------------------------------------------

RECORD_LOCKED = {
    WorkflowState.PENDING_SIGNOFF: _(
        "The record is awaiting sign-off and locked; withdraw it to edit."
    ),
    WorkflowState.SUBMITTED: _(
        "The record is submitted for review and locked; withdraw it to edit."
    ),
    WorkflowState.REJECTED: _(
        "The record was rejected; an admin of its organization must reopen it first."
    ),
    WorkflowState.ARCHIVED: _("The record is archived and can no longer be edited."),
}
REVISION_LOCKED = {
    RevisionState.PENDING_SIGNOFF: _(
        "The pending revision is awaiting sign-off and locked; withdraw it to edit."
    ),
    RevisionState.SUBMITTED: _(
        "The pending revision is submitted for review and locked; withdraw it to edit."
    ),
    RevisionState.REJECTED: _(
        "The pending revision was rejected; an admin of the organization must reopen it first."
    ),
}


def edit_refusal(record: Record, revision: Revision | None) -> RecordLocked | None:
    """May the record's content be edited now (SPEC 5)? Drafts and records with changes
    requested are edited in place; a published record through its pending revision (`revision`,
    the open one), unless that revision is under review or rejected; anything else is locked."""
    state = record.workflow_state
    if state in EDITABLE_STATES:
        return None
    if state == WorkflowState.PUBLISHED:
        if revision is None or revision.state in EDITABLE_REVISION_STATES:
            return None
        return RecordLocked(REVISION_LOCKED[revision.state])
    return RecordLocked(RECORD_LOCKED[state])


def delete_refusal(record: Record) -> RecordLocked | None:
    """Only drafts are deleted; anything that reached review stays, for the audit trail."""
    if record.workflow_state == WorkflowState.DRAFT:
        return None
    return RecordLocked(
        _(
            "Only drafts can be deleted; a record that has reached review stays for its audit "
            "trail (archive it once published)."
        )
    )


def discard_refusal(record: Record, revision: Revision | None) -> RecordLocked | None:
    """Only a pending revision still being prepared (draft, changes requested) is discarded;
    one under review is withdrawn first. The published content stays as it is."""
    if revision is None:
        return RecordLocked(_("There is no pending revision to discard."))
    if revision.state not in EDITABLE_REVISION_STATES:
        return RecordLocked(
            _(
                "Only a pending revision still being prepared (a draft, or one with changes "
                "requested) can be discarded; withdraw it first."
            )
        )
    return None


# --- The questions ---------------------------------------------------------------------------


def _role_refusal(actor: Actor, action: str, record: Record) -> DomainError | None:
    return None if allowed(actor, action, record) else refusal(actor, action, record)


def may_edit(actor: Actor, record: Record, revision: Revision | None) -> Permission:
    """May this person edit the record now? `revision`: its open revision, as they see it."""
    return permission(
        "edit",
        _("Edit"),
        _role_refusal(actor, "change", record) or edit_refusal(record, revision),
    )


def may_delete(actor: Actor, record: Record) -> Permission:
    return permission(
        "delete",
        _("Delete this draft"),
        _role_refusal(actor, "delete", record) or delete_refusal(record),
    )


def may_discard_revision(actor: Actor, record: Record, revision: Revision | None) -> Permission:
    return permission(
        "discard_revision",
        _("Discard the pending revision"),
        _role_refusal(actor, "change", record) or discard_refusal(record, revision),
    )
