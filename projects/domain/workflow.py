"""The approval workflow of SPEC 5: the one place where a record's state changes.

`TRANSITIONS` is the table of SPEC 5 as data, behaviour included: each entry says who may act,
from which states to which, whether a comment is required, what the action moves (the open
revision of a published record, or the record itself), what it checks and does on the way, and
whom it notifies. `perform` walks any entry the same way and never asks for an action by name.
The API's action routes, the admin's actions and the tests read the same table.

When a published record has a pending revision, the review actions walk the revision through the
states, and the record stays published with its old content until the revision is approved.
`archive` and `reconfirm` move the record itself.

Concurrency: `perform` takes the record's row lock (SELECT ... FOR UPDATE) before reading its
state, so of two reviewers approving at once the second reads `published` and gets
InvalidTransition; the database serializes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from projects.choices import RevisionState, WorkflowState
from projects.domain import audit, notifications, publicity, refusals, revisions
from projects.domain import rls_copies as visibility_copies
from projects.domain.boundary import access_record, check_version
from projects.domain.checks import check_publishable
from projects.domain.content import content_of
from projects.domain.errors import InvalidTransition
from projects.models import RECORD_MODELS, AuditEntry, Record, Revision
from registry.tenancy import (
    READ_SCOPE_ONLY,
    Actor,
    NotAllowed,
    holds,
    is_visible,
    require,
    role_refusal,
    visible,
)

S = WorkflowState


@dataclass
class Step:
    """One action being taken: who, on what, from and to which state, with which comment."""

    actor: Actor
    transition: Transition
    record: Record
    revision: Revision | None  # the open revision, when the action moves it
    from_state: str = ""
    to_state: str = ""
    comment: str = ""

    @property
    def subject(self):
        """What the action moves: the open revision, else the record."""
        return self.revision if self.revision is not None else self.record

    @property
    def content(self) -> dict:
        """The content the action is about: the revision's proposal, else the record's own."""
        return self.revision.content if self.revision is not None else content_of(self.record)


# --- What actions do, besides moving the state (a Transition's `effects`) --------------------


def start_round(step: Step) -> None:
    """A new review round: the submitter is recorded for the four-eyes rules."""
    step.subject.submitted_by, step.subject.signed_off_by = step.actor.user, None


def sign(step: Step) -> None:
    step.subject.signed_off_by = step.actor.user


def end_round(step: Step) -> None:
    step.subject.submitted_by, step.subject.signed_off_by = None, None


def publish(step: Step) -> list[str]:
    """Approval: the revision's content becomes the published one; publishing confirms it."""
    changed = revisions.apply_revision(step.record, step.revision) if step.revision else []
    step.record.published_at = step.record.confirmed_at = timezone.now()
    return changed


def discard_revision(step: Step) -> None:
    revisions.discard_open_revision(step.record)


def confirm(step: Step) -> None:
    step.record.confirmed_at = timezone.now()


def complete_enough(step: Step) -> None:
    """Submitting asks that the content be complete enough to publish (field errors if not)."""
    check_publishable(type(step.record), step.content)


# --- Whom they notify (a Transition's `notify`) -----------------------------------------------


def ask_signoff_or_review(step: Step) -> None:
    if step.to_state == S.PENDING_SIGNOFF:
        notifications.signoff_needed(step.record, step.actor.user)
    else:
        notifications.review_needed(step.record)


def tell_decision(step: Step) -> None:
    notifications.decision_made(
        step.record,
        step.transition.name,
        step.subject.submitted_by,
        step.actor.user,
        step.comment,
    )


def nobody(step: Step) -> None:
    pass


# What an action moves.
SUBJECT = "subject"  # the open revision of a published record, else the record
RECORD = "record"  # the record itself, even when a revision is pending


@dataclass(frozen=True)
class Transition:
    """One row of the SPEC 5 table, with what it does."""

    name: str
    roles: tuple[str, ...]  # any of these registry.tenancy roles, towards the record
    sources: tuple[str, ...]
    target: str
    comment_required: bool = False
    # submit: where it goes when the organization requires sign-off and the actor is no admin.
    target_if_signoff_needed: str | None = None
    # Four-eyes: the people of the current round who may not take this action.
    not_by: tuple[str, ...] = ()
    moves: str = SUBJECT
    checks: tuple[Callable[[Step], None], ...] = ()
    effects: tuple[Callable[[Step], list[str] | None], ...] = ()
    notify: Callable[[Step], None] = nobody
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
            checks=(complete_enough,),
            effects=(start_round,),
            notify=ask_signoff_or_review,
            label="Submit for review",
        ),
        Transition(
            "signoff",
            ("owner_admin",),
            (S.PENDING_SIGNOFF,),
            S.SUBMITTED,
            not_by=("submitted_by",),
            effects=(sign,),
            notify=ask_signoff_or_review,
            label="Sign off",
        ),
        Transition(
            "withdraw",
            ("owner_editor",),
            (S.PENDING_SIGNOFF, S.SUBMITTED),
            S.DRAFT,
            effects=(end_round,),
            label="Withdraw",
        ),
        Transition(
            "approve",
            ("reviewer",),
            (S.SUBMITTED,),
            S.PUBLISHED,
            not_by=("submitted_by", "signed_off_by"),
            effects=(publish,),
            notify=tell_decision,
            label="Approve and publish",
        ),
        Transition(
            "request_changes",
            ("reviewer",),
            (S.SUBMITTED,),
            S.CHANGES_REQUESTED,
            comment_required=True,
            notify=tell_decision,
            label="Request changes",
        ),
        Transition(
            "reject",
            ("reviewer",),
            (S.SUBMITTED,),
            S.REJECTED,
            comment_required=True,
            notify=tell_decision,
            label="Reject",
        ),
        Transition("reopen", ("owner_admin",), (S.REJECTED,), S.DRAFT, label="Reopen"),
        Transition(
            "archive",
            ("owner_admin", "reviewer"),
            (S.PUBLISHED,),
            S.ARCHIVED,
            comment_required=True,
            moves=RECORD,
            effects=(discard_revision,),
            notify=tell_decision,
            label="Archive",
        ),
        # SPEC 5 "Freshness": the owner confirms a published record is still current.
        Transition(
            "reconfirm",
            ("owner_editor",),
            (S.PUBLISHED,),
            S.PUBLISHED,
            moves=RECORD,
            effects=(confirm,),
            label="Confirm still current",
        ),
    )
}

FOUR_EYES_REASONS = {
    "submitted_by": "you submitted it, and the four-eyes rule needs someone else",
    "signed_off_by": "you signed it off, and the four-eyes rule needs someone else",
}


# --- Checks shared by perform() and available_actions() --------------------------------------


def _moved_revision(record: Record, transition: Transition, *, for_update: bool = False):
    """The open revision the action moves, or None when it moves the record itself."""
    if transition.moves == RECORD:
        return None
    return revisions.open_revision(record, for_update=for_update)


def _state(subject) -> str:
    return subject.state if isinstance(subject, Revision) else subject.workflow_state


def _check_role(actor: Actor, transition: Transition, record: Record) -> None:
    if actor.is_authenticated and not actor.can_write():
        raise NotAllowed(READ_SCOPE_ONLY)
    if not actor.is_authenticated or not any(
        holds(actor, role, record) for role in transition.roles
    ):
        raise role_refusal(actor, transition.name, "|".join(transition.roles), "this record")


def _state_allows(step: Step) -> bool:
    return _state(step.subject) in step.transition.sources


def _check_state(actor: Actor, step: Step) -> None:
    if _state_allows(step):
        return
    transition, record, revision = step.transition, step.record, step.revision
    state = _state(step.subject)
    # A revision the actor may not see is not mentioned (SPEC 3); the record's state is.
    if revision is not None and is_visible(actor, revision):
        what = f"its pending revision is {state}"
    else:
        what = f"it is {record.workflow_state}"
    if revision is None and state == S.PUBLISHED and transition.moves == SUBJECT:
        what += " with no pending revision"
    allowed = ", ".join(transition.sources)
    raise InvalidTransition(
        f"Cannot {transition.name.replace('_', ' ')} this record: {what} "
        f"(possible from: {allowed})."
    )


def _check_four_eyes(actor: Actor, step: Step) -> None:
    """A refusal because of who is acting, like a missing role: 403 (SPEC 6)."""
    for attribute in step.transition.not_by:
        if getattr(step.subject, f"{attribute}_id") == actor.user_id:
            raise NotAllowed(
                f"You may not {step.transition.name.replace('_', ' ')} this record: "
                f"{FOUR_EYES_REASONS[attribute]}."
            )


def _target(actor: Actor, transition: Transition, record: Record) -> str:
    if (
        transition.target_if_signoff_needed
        and record.organization.requires_signoff
        and not holds(actor, "owner_admin", record)
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
    with refusals.recorded(actor, action, model, identifier), transaction.atomic():
        record = access_record(actor, model, identifier, for_update=True)
        _check_role(actor, transition, record)
        check_version(record, expected_version, actor)
        step = Step(actor, transition, record, _moved_revision(record, transition, for_update=True))
        _check_state(actor, step)
        _check_four_eyes(actor, step)
        if transition.comment_required and not comment:
            raise ValidationError(
                {"comment": [f"A comment is required to {transition.name.replace('_', ' ')}."]}
            )
        for check in transition.checks:
            check(step)
        step.from_state = _state(step.subject)
        step.to_state = _target(actor, transition, record)
        step.comment = comment
        changed = _apply(step)
        audit.record(
            actor,
            transition.name,
            record,
            from_state=step.from_state,
            to_state=step.to_state,
            comment=comment,
            revision=step.revision.number if step.revision is not None else None,
            changed_fields=changed,
        )
        transition.notify(step)
    return record


def _apply(step: Step) -> list[str]:
    """Run the action's effects, move the state and save; returns the content fields changed."""
    changed: list[str] = []
    for effect in step.transition.effects:
        changed += effect(step) or []
    if step.revision is not None:
        step.revision.state = step.to_state
        step.revision.save()
    else:
        step.record.workflow_state = step.to_state
    step.record.version += 1
    if step.revision is None or step.to_state == S.PUBLISHED:
        # The record itself moves, or a revision becomes its published content: what the
        # public sees changes. A hidden revision's moves change only what members see (issue 10).
        with publicity.published_content_changes(step.record):
            step.record.save()
    else:
        step.record.save()
    if step.revision is None and step.from_state != step.to_state:
        visibility_copies.record_state_changed(step.record)
    return changed


def reconfirm(actor: Actor, record: Record) -> Record:
    """The owner confirms a published record is still current (SPEC 5 "Freshness")."""
    return perform(actor, type(record), record.identifier, "reconfirm")


# --- Questions the faces ask -------------------------------------------------------------------


def available_actions(actor: Actor, record: Record) -> list[str]:
    """The actions this actor may take on the record now: what a face may offer them."""
    names = []
    revision = revisions.open_revision(record)
    for transition in TRANSITIONS.values():
        step = Step(actor, transition, record, None if transition.moves == RECORD else revision)
        try:
            _check_role(actor, transition, record)
            _check_four_eyes(actor, step)
        except (NotAllowed, InvalidTransition):
            continue
        if _state_allows(step):
            names.append(transition.name)
    return names


def history(actor: Actor, record: Record) -> QuerySet[AuditEntry]:
    """The record's audit entries, oldest first, for those who may read its history."""
    require(actor, "view_history", record)
    return (
        audit.entries_of(visible(actor, AuditEntry), record)
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
        revisions_by_record = {
            revision.object_id: revision
            for revision in visible(actor, Revision).filter(
                content_type=ContentType.objects.get_for_model(model),
                state=RevisionState.SUBMITTED,
            )
        }
        records = (
            visible(actor, model)
            .filter(
                Q(workflow_state=S.SUBMITTED)
                | Q(workflow_state=S.PUBLISHED, pk__in=list(revisions_by_record))
            )
            .select_related("organization")
        )
        for record in records:
            record.pending_revision = revisions_by_record.get(record.pk)
            queue.append(record)
    return sorted(queue, key=lambda record: (record.updated_at, record.identifier))
