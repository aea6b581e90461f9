"""The approval workflow of SPEC 5: the one place where a record's state changes.

`TRANSITIONS` is the table of SPEC 5 as data, behaviour included: each entry says who may act,
from which states to which, whether a comment is required, what the action moves (the open
revision of a published record, or the record itself), what it checks and does on the way, and
whom it notifies. `perform` walks any entry the same way and never asks for an action by name.
The API's action routes, the admin's actions and the tests read the same table.

Who may take an action now, and if not why, is decided once, by `judge`: `perform` refuses with
its verdict (403, 409), and `action_options` shows the same verdict to the faces (the buttons, a
page's explanation, the dashboard), so the two cannot drift apart. The reasons are translated
sentences, read in the reader's language where they are shown (English in the audit log).

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
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from projects.choices import RevisionState, WorkflowAction, WorkflowState
from projects.domain import (
    audit,
    notifications,
    public_metadata,
    refusals,
    revisions,
)
from projects.domain import rls_copies as visibility_copies
from projects.domain.boundary import access_record, check_version
from projects.domain.content import content_of
from projects.domain.content_checks import check_publishable
from projects.domain.errors import InvalidTransition
from projects.domain.permissions import Permission, permission
from projects.models import RECORD_MODELS, AuditEntry, Record, Revision
from registry.errors import DomainError
from registry.multilingual import lazy_format
from registry.tenancy import (
    READ_SCOPE_ONLY,
    Actor,
    NotAllowed,
    holds,
    is_visible,
    require,
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
    # Whether the actor may see `revision` (None: ask the boundary when a refusal names it).
    seen: bool | None = None

    def revision_seen(self) -> bool:
        if self.seen is None:
            self.seen = self.revision is not None and is_visible(self.actor, self.revision)
        return self.seen

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
class FourEyes:
    """A person of the current round who may not take the action, and what they are told."""

    attribute: str  # submitted_by or signed_off_by, on the record or its revision
    reason: Promise


@dataclass(frozen=True)
class Rule:
    """Who may take an action, from which states, and the four-eyes limits (SPEC 5's "who" and
    "from"): most actions have one; request_changes has one for the reviewers and one for the
    owner's admins, from different states."""

    roles: tuple[str, ...]  # any of these registry.tenancy roles, towards the record
    sources: tuple[str, ...]
    wrong_state: Promise  # why not, to someone who holds a role, from another state
    not_by: tuple[FourEyes, ...] = ()


@dataclass(frozen=True)
class Transition:
    """One row of the SPEC 5 table, with what it does."""

    name: str
    rules: tuple[Rule, ...]
    target: str
    not_yours: Promise  # why not, to someone who holds none of the rules' roles
    comment_required: bool = False
    # submit: where it goes when the organization requires sign-off and the actor is no admin.
    target_if_signoff_needed: str | None = None
    moves: str = SUBJECT
    checks: tuple[Callable[[Step], None], ...] = ()
    effects: tuple[Callable[[Step], list[str] | None], ...] = ()
    notify: Callable[[Step], None] = nobody

    @property
    def label(self) -> str:
        """Its button, in the reader's language (the vocabulary's WorkflowAction)."""
        return WorkflowAction(self.name).label

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(role for rule in self.rules for role in rule.roles))

    @property
    def final(self) -> bool:
        """No action of the table starts where this one ends (archive): it cannot be undone,
        so the faces ask for confirmation first (issue 18)."""
        return not any(self.target in t.sources for t in TRANSITIONS.values())

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(state for rule in self.rules for state in rule.sources))


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            (
                Rule(
                    ("owner_editor",),
                    (S.DRAFT, S.CHANGES_REQUESTED),
                    _("Only drafts and records with changes requested can be submitted."),
                ),
            ),
            S.SUBMITTED,
            _("Only the owner editor may submit this record."),
            target_if_signoff_needed=S.PENDING_SIGNOFF,
            checks=(complete_enough,),
            effects=(start_round,),
            notify=ask_signoff_or_review,
        ),
        Transition(
            "signoff",
            (
                Rule(
                    ("owner_admin",),
                    (S.PENDING_SIGNOFF,),
                    _("Only records awaiting sign-off can be signed off."),
                    not_by=(
                        FourEyes(
                            "submitted_by",
                            _(
                                "You may not sign off this record: you submitted it, and the "
                                "four-eyes rule needs another admin of the organization."
                            ),
                        ),
                    ),
                ),
            ),
            S.SUBMITTED,
            _("Only the owner admin may sign off this record."),
            effects=(sign,),
            notify=ask_signoff_or_review,
        ),
        Transition(
            "withdraw",
            (
                Rule(
                    ("owner_editor",),
                    (S.PENDING_SIGNOFF, S.SUBMITTED),
                    _("Only records awaiting sign-off or review can be withdrawn."),
                ),
            ),
            S.DRAFT,
            _("Only the owner editor may withdraw this record."),
            effects=(end_round,),
        ),
        Transition(
            "approve",
            (
                Rule(
                    ("reviewer",),
                    (S.SUBMITTED,),
                    _("Only records submitted for review can be approved."),
                    not_by=(
                        FourEyes(
                            "submitted_by",
                            _(
                                "You may not approve this record: you submitted it, and the "
                                "four-eyes rule needs another reviewer."
                            ),
                        ),
                        FourEyes(
                            "signed_off_by",
                            _(
                                "You may not approve this record: you signed it off, and the "
                                "four-eyes rule needs another reviewer."
                            ),
                        ),
                    ),
                ),
            ),
            S.PUBLISHED,
            _("Only the reviewer may approve this record."),
            effects=(publish,),
            notify=tell_decision,
        ),
        Transition(
            "request_changes",
            (
                Rule(
                    ("reviewer",),
                    (S.SUBMITTED,),
                    _("A reviewer requests changes on records submitted for review."),
                ),
                # SPEC 5: the owner's admin may send a submission back before signing it off.
                Rule(
                    ("owner_admin",),
                    (S.PENDING_SIGNOFF,),
                    _(
                        "An admin of the organization requests changes on records awaiting "
                        "sign-off."
                    ),
                    not_by=(
                        FourEyes(
                            "submitted_by",
                            _(
                                "You may not request changes on this record: you submitted it, "
                                "and the four-eyes rule needs another admin of the organization."
                            ),
                        ),
                    ),
                ),
            ),
            S.CHANGES_REQUESTED,
            _("Only the reviewer, or the owner admin before sign-off, may request changes."),
            comment_required=True,
            notify=tell_decision,
        ),
        Transition(
            "reject",
            (
                Rule(
                    ("reviewer",),
                    (S.SUBMITTED,),
                    _("Only records submitted for review can be rejected."),
                ),
            ),
            S.REJECTED,
            _("Only the reviewer may reject this record."),
            comment_required=True,
            notify=tell_decision,
        ),
        Transition(
            "reopen",
            (Rule(("owner_admin",), (S.REJECTED,), _("Only rejected records can be reopened.")),),
            S.DRAFT,
            _("Only the owner admin may reopen this record."),
        ),
        Transition(
            "archive",
            (
                Rule(
                    ("owner_admin", "reviewer"),
                    (S.PUBLISHED,),
                    _("Only published records can be archived."),
                ),
            ),
            S.ARCHIVED,
            _("Only the owner admin or the reviewer may archive this record."),
            comment_required=True,
            moves=RECORD,
            effects=(discard_revision,),
            notify=tell_decision,
        ),
        # SPEC 5 "Freshness": the owner confirms a published record is still current.
        Transition(
            "reconfirm",
            (
                Rule(
                    ("owner_editor",),
                    (S.PUBLISHED,),
                    _("Only published records can be confirmed as still current."),
                ),
            ),
            S.PUBLISHED,
            _("Only the owner editor may confirm this record as still current."),
            moves=RECORD,
            effects=(confirm,),
        ),
    )
}

SIGN_IN = _("Sign in to act on this record.")

# The decisions that send a record back to its owners, with a comment they must read.
SENT_BACK = ("request_changes", "reject")
SENT_BACK_STATES = (S.CHANGES_REQUESTED, S.REJECTED)
# What the submit button says: where the record goes (issue 18).
SUBMIT_TO = {
    S.PENDING_SIGNOFF: _("Submit to your organization's admin for sign-off"),
    S.SUBMITTED: _("Submit to the secretariat for review"),
}


# --- The one evaluation: may this person take this action now, and if not, why ---------------
# perform() refuses with it, action_options() shows it: the two cannot drift apart.

ROLE = "role"  # refused for who is asking: checked before the record's version (403)
NOW = "now"  # refused for the record's state (409)
WHO = "who"  # refused for who this person is in the round: the four-eyes rule (403)


@dataclass(frozen=True)
class Verdict:
    refusal: DomainError | None = None
    stage: str = ""


def _moved_revision(record: Record, transition: Transition, *, for_update: bool = False):
    """The open revision the action moves, or None when it moves the record itself."""
    if transition.moves == RECORD:
        return None
    return revisions.open_revision(record, for_update=for_update)


def _state(subject) -> str:
    return subject.state if isinstance(subject, Revision) else subject.workflow_state


def _rules_held(step: Step) -> list[Rule]:
    actor, record = step.actor, step.record
    return [
        rule for rule in step.transition.rules if any(holds(actor, r, record) for r in rule.roles)
    ]


# Where the subject is now, said after the rule a refusal names.
RECORD_NOW = {
    S.DRAFT: _("Right now it is a draft."),
    S.PENDING_SIGNOFF: _("Right now it is awaiting sign-off."),
    S.SUBMITTED: _("Right now it is submitted for review."),
    S.CHANGES_REQUESTED: _("Right now it has changes requested."),
    S.PUBLISHED: _("Right now it is published."),
    S.REJECTED: _("Right now it is rejected."),
    S.ARCHIVED: _("Right now it is archived."),
}
REVISION_NOW = {
    RevisionState.DRAFT: _("Its pending revision is a draft."),
    RevisionState.PENDING_SIGNOFF: _("Its pending revision is awaiting sign-off."),
    RevisionState.SUBMITTED: _("Its pending revision is submitted for review."),
    RevisionState.CHANGES_REQUESTED: _("Its pending revision has changes requested."),
    RevisionState.REJECTED: _("Its pending revision was rejected."),
}
PUBLISHED_WITHOUT_REVISION = _("Right now it is published, with no pending revision.")


def _situation(step: Step, rule: Rule) -> Promise:
    """The subject's state as the actor may know it. A revision they may not see is not
    mentioned (SPEC 3): it reads as the record's own state. That a published record has no
    pending revision is said to its owners only (they see every revision, so it is true)."""
    if step.revision is not None and step.revision_seen():
        return REVISION_NOW[step.revision.state]
    state = step.record.workflow_state
    owners_only = all(role.startswith("owner_") for role in rule.roles)
    if state == S.PUBLISHED and step.transition.moves == SUBJECT and owners_only:
        return PUBLISHED_WITHOUT_REVISION
    return RECORD_NOW[state]


def judge(step: Step) -> Verdict:
    """May `step.actor` take `step.transition` on the record now? The refusal says why."""
    actor = step.actor
    if not actor.is_authenticated:
        return Verdict(NotAllowed(SIGN_IN), ROLE)
    if not actor.can_write():
        return Verdict(NotAllowed(READ_SCOPE_ONLY), ROLE)
    held = _rules_held(step)
    if not held:
        return Verdict(NotAllowed(step.transition.not_yours), ROLE)
    state = _state(step.subject)
    fitting = [rule for rule in held if state in rule.sources]
    if not fitting:
        rule = held[0]
        reason = lazy_format("%(rule)s %(now)s", rule=rule.wrong_state, now=_situation(step, rule))
        return Verdict(InvalidTransition(reason), NOW)
    crossed = [_crossed(actor, step, rule) for rule in fitting]
    if all(crossed):
        # A refusal because of who is acting, like a missing role: 403 (SPEC 6).
        return Verdict(NotAllowed(crossed[0].reason), WHO)
    return Verdict()


def _crossed(actor: Actor, step: Step, rule: Rule) -> FourEyes | None:
    """The four-eyes limit of `rule` this actor crosses on this round, if any."""
    for limit in rule.not_by:
        if getattr(step.subject, f"{limit.attribute}_id") == actor.user_id:
            return limit
    return None


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
        step = Step(actor, transition, record, _moved_revision(record, transition, for_update=True))
        verdict = judge(step)
        if verdict.stage == ROLE:
            raise verdict.refusal
        check_version(record, expected_version, actor)
        if verdict.refusal is not None:
            raise verdict.refusal
        if transition.comment_required and not comment:
            raise ValidationError(
                {
                    "comment": [
                        lazy_format(
                            _("A comment is required to take this action: %(action)s."),
                            action=transition.label,
                        )
                    ]
                }
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
        with public_metadata.published_content_changes(step.record):
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

# `revision` not given: action_options reads the open revision the actor may see.
UNKNOWN = object()


def option(actor: Actor, transition: Transition, record: Record, revision) -> Permission:
    """One action for this person on this record now; `revision`: the open revision they see
    (None when there is none, or it is hidden from them)."""
    moved = None if transition.moves == RECORD else revision
    step = Step(actor, transition, record, moved, seen=True)
    verdict = judge(step)
    target = _target(actor, transition, record) if actor.is_authenticated else transition.target
    return permission(
        transition.name,
        # submit says where the record goes: to the organization's admins, or the secretariat.
        SUBMIT_TO.get(target, transition.label)
        if transition.name == "submit"
        else transition.label,
        verdict.refusal,
        needs_comment=transition.comment_required,
        personal=verdict.stage == WHO,
        target=target,
        final=transition.final,
    )


def action_options(actor: Actor, record: Record, revision=UNKNOWN) -> list[Permission]:
    """Every action of TRANSITIONS for this person on the record now, in the table's order:
    allowed, or refused with the reason `perform` would give (what a face offers and explains).

    The open revision the person may see decides as the real one would: one hidden from them
    (a draft, from a reviewer) is in a state from which none of their actions starts, as is the
    published record without it. Pass `revision` when the caller has it already (no query).
    """
    if revision is UNKNOWN:
        revision = revisions.pending_revisions(actor, type(record), [record]).get(record.pk)
    return [option(actor, t, record, revision) for t in TRANSITIONS.values()]


def latest_comments(actor: Actor, records: list[Record], subjects: dict | None = None) -> dict:
    """{(record type, pk): the AuditEntry of the decision that sent it back} for the records
    (of any types) whose subject (the open revision, else the record; `subjects` maps
    (record type, pk) to its open revision when the caller has them) has changes requested or
    was rejected: the reviewer's or the admin's comment the editor must read (issue 18).
    One query whatever the number of records; entries the actor may not read are not shown."""
    subjects = subjects or {}
    waiting = [
        record
        for record in records
        if _state(subjects.get((type(record), record.pk)) or record) in SENT_BACK_STATES
    ]
    if not waiting:
        return {}
    models = {type(record): ContentType.objects.get_for_model(type(record)) for record in waiting}
    about = Q()
    for model, content_type in models.items():
        ids = [record.pk for record in waiting if type(record) is model]
        about |= Q(content_type=content_type, object_id__in=ids)
    types = {content_type.pk: model for model, content_type in models.items()}
    entries = visible(actor, AuditEntry).filter(about, action__in=SENT_BACK).exclude(comment="")
    latest: dict = {}
    for entry in entries.select_related("actor").order_by("id"):
        latest[(types[entry.content_type_id], entry.object_id)] = entry
    return latest


def latest_comment(actor: Actor, record: Record, revision=UNKNOWN):
    """The comment of the decision that sent this record (or its open revision) back, if it
    waits for its owners now; else None."""
    if revision is UNKNOWN:
        revision = revisions.pending_revisions(actor, type(record), [record]).get(record.pk)
    key = (type(record), record.pk)
    return latest_comments(actor, [record], {key: revision}).get(key)


def permits(actor: Actor, action: str, record: Record, revision) -> bool:
    """May this person take `action` on the record now (the revision they see given)?"""
    return option(actor, TRANSITIONS[action], record, revision).allowed


def available_actions(actor: Actor, record: Record) -> list[str]:
    """The actions this actor may take on the record now: what a face may offer them."""
    return [choice.name for choice in action_options(actor, record) if choice.allowed]


def history(actor: Actor, record: Record) -> QuerySet[AuditEntry]:
    """The record's audit entries, oldest first, for those who may read its history."""
    require(actor, "view_history", record)
    return (
        audit.entries_of(visible(actor, AuditEntry), record)
        .select_related("actor", "actor_organization")
        .order_by("id")
    )


def awaiting(transition_name: str, user_id) -> tuple[tuple[str, ...], Q]:
    """(the states it is taken from, a condition on records and revisions): what waits for the
    person `user_id` to take this action, as the dashboard lists it in SQL. The condition is
    the transition's four-eyes limits (`Rule.not_by`): not the person who submitted the round,
    or signed it off. The one place these rules are written; `judge` reads the same data."""
    states: tuple[str, ...] = ()
    condition = Q()
    for rule in TRANSITIONS[transition_name].rules:
        states += rule.sources
        for limit in rule.not_by:
            condition &= ~Q(**{f"{limit.attribute}_id": user_id})
    return states, condition


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
