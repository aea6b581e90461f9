"""The approval workflow of SPEC 5: the one place where a record's state changes.

`TRANSITIONS` is the table of SPEC 5 as data. The API's action endpoints, the pages' buttons, the
admin's actions, the docs and the tests all read it; `perform` enforces it.

When a published record has a pending revision, the review actions (submit, signoff, withdraw,
approve, request_changes, reject, reopen) walk the revision through the same states, and the
record stays published with its old content until the revision is approved. `archive` and
`reconfirm` act on the record itself.

Concurrency: `perform` takes the record's row lock (SELECT ... FOR UPDATE) before reading its
state, so of two reviewers approving at once the second reads `published` and gets
InvalidTransition; the database serializes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from registry import audit, rls
from registry.tenancy import Actor, NotAllowed, access_record, holds, require, visible

from . import notifications, services, visibility_copies
from .content import content_of
from .errors import InvalidTransition
from .models import (
    RECORD_MODELS,
    AuditEntry,
    Record,
    Revision,
    RevisionState,
    WorkflowState,
)

S = WorkflowState


@dataclass(frozen=True)
class Transition:
    """One row of the SPEC 5 table."""

    name: str
    roles: tuple[str, ...]  # any of these registry.tenancy roles, towards the owner
    sources: tuple[str, ...]
    target: str
    comment_required: bool = False
    # submit: where it goes when the organization requires sign-off and the actor is no admin.
    target_if_signoff_needed: str | None = None
    # Four-eyes: the people of the current round who may not take this action.
    not_by: tuple[str, ...] = ()
    # Acts on the record itself even when a revision is pending (archive, reconfirm).
    on_record: bool = False
    label: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            ("owner_editor",),
            (S.DRAFT, S.CHANGES_REQUESTED),
            S.SUBMITTED,
            target_if_signoff_needed=S.PENDING_SIGNOFF,
            label="Submit for review",
        ),
        Transition(
            "signoff",
            ("owner_admin",),
            (S.PENDING_SIGNOFF,),
            S.SUBMITTED,
            not_by=("submitted_by",),
            label="Sign off",
        ),
        Transition(
            "withdraw",
            ("owner_editor",),
            (S.PENDING_SIGNOFF, S.SUBMITTED),
            S.DRAFT,
            label="Withdraw",
        ),
        Transition(
            "approve",
            ("reviewer",),
            (S.SUBMITTED,),
            S.PUBLISHED,
            not_by=("submitted_by", "signed_off_by"),
            label="Approve and publish",
        ),
        Transition(
            "request_changes",
            ("reviewer",),
            (S.SUBMITTED,),
            S.CHANGES_REQUESTED,
            comment_required=True,
            label="Request changes",
        ),
        Transition(
            "reject",
            ("reviewer",),
            (S.SUBMITTED,),
            S.REJECTED,
            comment_required=True,
            label="Reject",
        ),
        Transition("reopen", ("owner_admin",), (S.REJECTED,), S.DRAFT, label="Reopen"),
        Transition(
            "archive",
            ("owner_admin", "reviewer"),
            (S.PUBLISHED,),
            S.ARCHIVED,
            comment_required=True,
            on_record=True,
            label="Archive",
        ),
        # SPEC 5 "Freshness": the owner confirms a published record is still current.
        Transition(
            "reconfirm",
            ("owner_editor",),
            (S.PUBLISHED,),
            S.PUBLISHED,
            on_record=True,
            label="Confirm still current",
        ),
    )
}

FOUR_EYES_REASONS = {
    "submitted_by": "you submitted it, and the four-eyes rule needs someone else",
    "signed_off_by": "you signed it off, and the four-eyes rule needs someone else",
}


# --- Checks shared by perform() and available_actions() --------------------------------------


def _subject(record: Record, transition: Transition, *, for_update: bool = False):
    """What the action moves: the open revision of a published record, else the record."""
    if transition.on_record:
        return record, None
    revision = services.open_revision(record, for_update=for_update)
    return (revision or record), revision


def _state(subject) -> str:
    return subject.state if isinstance(subject, Revision) else subject.workflow_state


def _check_role(actor: Actor, transition: Transition, record: Record) -> None:
    if not actor.is_authenticated:
        raise NotAllowed(f"Sign in to {transition.name.replace('_', ' ')} records.")
    if not actor.can_write():
        raise NotAllowed("This API key has the read scope only; workflow actions need write.")
    if not any(holds(actor, role, record.organization_id) for role in transition.roles):
        who = " or ".join(role.replace("_", " ") for role in transition.roles)
        raise NotAllowed(f"Only the {who} may {transition.name.replace('_', ' ')} this record.")


# A revision in these states has not left its organization (SPEC 3): others are not told of it.
PRIVATE_REVISION_STATES = (RevisionState.DRAFT, RevisionState.PENDING_SIGNOFF)


def _check_state(actor: Actor, transition: Transition, record, subject, revision) -> None:
    state = _state(subject)
    if state in transition.sources:
        return
    private = (
        revision is not None
        and state in PRIVATE_REVISION_STATES
        and not holds(actor, "owner_member", record.organization_id)
    )
    if revision is not None and not private:
        what = f"its pending revision is {state}"
    else:
        what = f"it is {record.workflow_state}"
    if revision is None and state == S.PUBLISHED and not transition.on_record:
        what += " with no pending revision"
    allowed = ", ".join(transition.sources)
    raise InvalidTransition(
        f"Cannot {transition.name.replace('_', ' ')} this record: {what} "
        f"(possible from: {allowed})."
    )


def _check_four_eyes(actor: Actor, transition: Transition, subject) -> None:
    for attribute in transition.not_by:
        if getattr(subject, f"{attribute}_id") == actor.user_id:
            raise InvalidTransition(
                f"You may not {transition.name.replace('_', ' ')} this record: "
                f"{FOUR_EYES_REASONS[attribute]}."
            )


def _refusal(actor: Actor, transition: Transition, record: Record, subject, revision):
    """The reason the actor may not take the action now, or None."""
    try:
        _check_role(actor, transition, record)
        _check_state(actor, transition, record, subject, revision)
        _check_four_eyes(actor, transition, subject)
    except (NotAllowed, InvalidTransition) as refusal:
        return refusal
    return None


def _target(actor: Actor, transition: Transition, record: Record) -> str:
    if (
        transition.target_if_signoff_needed
        and record.organization.requires_signoff
        and not holds(actor, "owner_admin", record.organization_id)
    ):
        return transition.target_if_signoff_needed
    return transition.target


# --- The action --------------------------------------------------------------------------------


def perform(
    actor: Actor,
    model: type[Record],
    identifier: str,
    action: str,
    *,
    comment: str = "",
    expected_version=None,
) -> Record:
    """Take a workflow action on a record; returns the record as it is afterwards."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidTransition(
            f"Unknown action {action!r}; the actions are {', '.join(TRANSITIONS)}."
        )
    comment = comment.strip() if isinstance(comment, str) else ""
    with transaction.atomic():
        record = access_record(actor, model, identifier, for_update=True)
        _check_role(actor, transition, record)
        services.check_version(record, expected_version)
        subject, revision = _subject(record, transition, for_update=True)
        _check_state(actor, transition, record, subject, revision)
        _check_four_eyes(actor, transition, subject)
        if transition.comment_required and not comment:
            raise ValidationError(
                {"comment": [f"A comment is required to {transition.name.replace('_', ' ')}."]}
            )
        if transition.name == "submit":
            content = revision.content if revision is not None else content_of(record)
            services.check_publishable(model, content)
        from_state = _state(subject)
        to_state = _target(actor, transition, record)
        record_state = record.workflow_state
        changed = _apply(actor, transition, record, subject, revision, to_state)
        record.version += 1
        record.save()
        if record.workflow_state != record_state:
            visibility_copies.record_state_changed(record)
        audit.record(
            actor,
            transition.name,
            record,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
            revision=revision.number if revision is not None else None,
            changed_fields=changed,
        )
        _notify(actor, transition, record, subject, to_state, comment)
    return record


def _apply(actor, transition, record, subject, revision, to_state) -> list[str]:
    """Change the states, the round's people and, on approval, the published content."""
    now = timezone.now()
    changed: list[str] = []
    if transition.name == "submit":
        subject.submitted_by, subject.signed_off_by = actor.user, None
    elif transition.name == "signoff":
        subject.signed_off_by = actor.user
    elif transition.name == "withdraw":
        subject.submitted_by, subject.signed_off_by = None, None
    elif transition.name == "approve":
        if revision is not None:
            changed = services.apply_revision(record, revision)
        record.published_at = record.confirmed_at = now
    elif transition.name == "archive":
        _discard_open_revision(record)
    elif transition.name == "reconfirm":
        record.confirmed_at = now
    if isinstance(subject, Revision):
        subject.state = to_state
        subject.save()
    else:
        record.workflow_state = to_state
    return changed


def _discard_open_revision(record: Record) -> None:
    # A reviewer archives too, and may not read the owner's private (draft) revision: row-level
    # security lets the system context find and close it (registry.rls).
    with rls.system_context("archiving discards the owner's open revision"):
        revision = services.open_revision(record, for_update=True)
        if revision is not None:
            revision.state = RevisionState.DISCARDED
            revision.save(update_fields=["state", "updated_at"])


def _notify(actor, transition, record, subject, to_state, comment) -> None:
    if to_state == S.PENDING_SIGNOFF:
        notifications.signoff_needed(record, actor.user)
    elif transition.name in ("submit", "signoff") and to_state == S.SUBMITTED:
        notifications.review_needed(record)
    elif transition.name in notifications.DECISIONS:
        notifications.decision_made(
            record, transition.name, subject.submitted_by, actor.user, comment
        )


# --- Questions the faces ask -------------------------------------------------------------------


def available_actions(actor: Actor, record: Record) -> list[str]:
    """The actions this actor may take on the record now (buttons, API hints)."""
    names = []
    revision = services.open_revision(record)
    for transition in TRANSITIONS.values():
        subject = record if transition.on_record or revision is None else revision
        if _refusal(actor, transition, record, subject, revision if subject is revision else None):
            continue
        names.append(transition.name)
    return names


def history(actor: Actor, record: Record) -> QuerySet[AuditEntry]:
    """The record's audit entries, oldest first, for those who may read its history."""
    require(actor, "view_history", record)
    return (
        visible(actor, AuditEntry)
        .filter(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
        )
        .select_related("actor", "actor_organization")
        .order_by("id")
    )


def review_queue(actor: Actor) -> list[Record]:
    """Submitted records and records with a submitted revision, oldest first (reviewers only).

    Each record carries `pending_revision` (the submitted Revision, or None).
    """
    if not actor.is_reviewer:
        return []
    queue: list[Record] = []
    for model in RECORD_MODELS:
        content_type = ContentType.objects.get_for_model(model)
        revisions = {
            revision.object_id: revision
            for revision in visible(actor, Revision).filter(
                content_type=content_type, state=RevisionState.SUBMITTED
            )
        }
        records = (
            visible(actor, model)
            .filter(
                Q(workflow_state=S.SUBMITTED)
                | Q(workflow_state=S.PUBLISHED, pk__in=list(revisions))
            )
            .select_related("organization")
        )
        for record in records:
            record.pending_revision = revisions.get(record.pk)
            queue.append(record)
    return sorted(queue, key=lambda record: (record.updated_at, record.identifier))


def get_record(actor: Actor, model: type[Record], identifier: str) -> Record:
    """The record if visible (NotVisible otherwise): a convenience for faces and tests."""
    return access_record(actor, model, identifier)
