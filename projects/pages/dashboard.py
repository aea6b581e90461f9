"""The dashboard's question (SPEC 5, 7): what waits for me?

Read through the boundary only, in a constant number of queries whatever the number of records:
one for the open revisions of my organizations, one per record type for my organizations'
records that wait for someone there, the review queue (two per record type, reviewers only) and
the participation inbox (one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse

from projects.choices import RevisionState, WorkflowState
from projects.domain.freshness import (
    FreshnessCutoffs,
    freshness,
    freshness_condition,
    stale_soon_condition,
)
from projects.domain.participants import participation_inbox
from projects.domain.workflow import latest_comments, permits, review_queue
from projects.models import RECORD_MODELS, Record, Revision
from projects.pages.record_types import RECORD_NOUNS, detail_url
from registry.tenancy import Actor, visible

S = WorkflowState
# Record states and revision states that wait for the owner organization itself.
WAITING_STATES = (S.DRAFT, S.CHANGES_REQUESTED, S.PENDING_SIGNOFF)
WAITING_REVISION_STATES = (
    RevisionState.DRAFT,
    RevisionState.CHANGES_REQUESTED,
    RevisionState.PENDING_SIGNOFF,
)
# What I sent stays on my dashboard, with its state, until it is published (issue 18).
SENT_STATES = (S.PENDING_SIGNOFF, S.SUBMITTED, S.REJECTED)
SENT_REVISION_STATES = (
    RevisionState.PENDING_SIGNOFF,
    RevisionState.SUBMITTED,
    RevisionState.REJECTED,
)


@dataclass
class Item:
    """One record on the dashboard, with the page to open and, for a revision, its number."""

    record: Record
    state: str
    action: str = ""  # what to do next: edit, review, reconfirm (at `action_url`)
    revision: Revision | None = None
    freshness: str | None = None
    comment: object = None  # the AuditEntry of the decision that sent it back, if any

    @property
    def url(self) -> str:
        return detail_url(self.record)

    @property
    def action_url(self) -> str:
        if self.action == "edit":
            return _edit_url(self.record)
        if self.action == "review":
            return _review_url(self.record)
        if self.action == "reconfirm":
            return reverse(
                "record-action", args=[self.record.record_type, self.record.identifier, "reconfirm"]
            )
        return ""

    @property
    def noun(self):
        return RECORD_NOUNS[self.record.record_type].singular


@dataclass
class Waiting:
    drafts: list[Item] = field(default_factory=list)  # mine: I created them
    organization_drafts: list[Item] = field(default_factory=list)  # my organizations' others
    sent: list[Item] = field(default_factory=list)  # I submitted them; not published yet
    changes_requested: list[Item] = field(default_factory=list)
    signoffs: list[Item] = field(default_factory=list)
    reviews: list[Item] = field(default_factory=list)
    participation_requests: list = field(default_factory=list)
    stale: list[Item] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not any(
            (
                self.drafts,
                self.organization_drafts,
                self.sent,
                self.changes_requested,
                self.signoffs,
                self.reviews,
                self.participation_requests,
                self.stale,
            )
        )


def _edit_url(record: Record) -> str:
    return reverse(f"{RECORD_NOUNS[record.record_type].key}-edit", args=[record.identifier])


def _review_url(record: Record) -> str:
    return reverse("record-review", args=[record.record_type, record.identifier])


def _open_revisions(actor: Actor, organization_ids) -> dict[tuple[int, int], Revision]:
    """The open revisions of my organizations that wait for them, or that I sent, by
    (content type, record)."""
    rows = visible(actor, Revision).filter(
        Q(state__in=WAITING_REVISION_STATES)
        | Q(state__in=SENT_REVISION_STATES, submitted_by_id=actor.user_id),
        organization_id__in=organization_ids,
    )
    return {(rev.content_type_id, rev.object_id): rev for rev in rows}


def _own_records(actor: Actor, waiting: Waiting) -> None:
    editing = actor.orgs_where("editor")
    if not editing:
        return
    revisions = _open_revisions(actor, editing)
    sent_back: list[Item] = []
    stale = freshness_condition("stale") | freshness_condition("inactive") | stale_soon_condition()
    for model in RECORD_MODELS:
        content_type = ContentType.objects.get_for_model(model)
        revised = [pk for (type_id, pk) in revisions if type_id == content_type.pk]
        records = (
            visible(actor, model)
            .filter(organization_id__in=editing)
            .filter(
                Q(workflow_state__in=WAITING_STATES)
                | Q(workflow_state__in=SENT_STATES, submitted_by_id=actor.user_id)
                | Q(pk__in=revised)
                | stale
            )
            .select_related("organization")
            .order_by("-updated_at", "identifier")
        )
        for record in records:
            revision = revisions.get((content_type.pk, record.pk))
            sent_back += _sort(actor, waiting, record, revision)
    _attach_comments(actor, sent_back)


def _attach_comments(actor: Actor, items: list[Item]) -> None:
    """The comment that sent each record back (one query for them all, if any)."""
    key = lambda item: (type(item.record), item.record.pk)  # noqa: E731
    subjects = {key(item): item.revision for item in items}
    comments = latest_comments(actor, [item.record for item in items], subjects)
    for item in items:
        item.comment = comments.get(key(item))


def _sort(actor: Actor, waiting: Waiting, record: Record, revision) -> list[Item]:
    """Put one of my organizations' records in the dashboard's sections; returns the items
    that may carry a comment sending them back."""
    subject = revision if revision is not None else record
    state = subject.state if revision is not None else record.workflow_state
    sent_back: list[Item] = []
    if state == S.DRAFT:
        mine = subject.created_by_id == actor.user_id
        (waiting.drafts if mine else waiting.organization_drafts).append(
            Item(record, state, "edit", revision)
        )
    elif state == S.CHANGES_REQUESTED:
        sent_back.append(Item(record, state, "edit", revision))
        waiting.changes_requested.append(sent_back[-1])
    elif state == S.PENDING_SIGNOFF and permits(actor, "signoff", record, revision):
        waiting.signoffs.append(Item(record, state, "review", revision))
    elif state in SENT_STATES and subject.submitted_by_id == actor.user_id:
        waiting.sent.append(Item(record, state, "", revision))
        if state == S.REJECTED:
            sent_back.append(waiting.sent[-1])
    fresh = freshness(record)
    if record.workflow_state == S.PUBLISHED and (fresh != "current" or _due_soon(record)):
        waiting.stale.append(Item(record, record.workflow_state, "reconfirm", None, fresh))
    return sent_back


def _due_soon(record: Record) -> bool:
    return record.confirmed_at is not None and record.confirmed_at < FreshnessCutoffs.at().remind


def _reviews(actor: Actor, waiting: Waiting) -> None:
    for record in review_queue(actor):
        if not permits(actor, "approve", record, record.pending_revision):
            continue  # the four-eyes rule: someone else reviews it
        state = record.pending_revision.state if record.pending_revision else record.workflow_state
        waiting.reviews.append(Item(record, state, "review", record.pending_revision))


def waiting_for(actor: Actor) -> Waiting:
    waiting = Waiting()
    _own_records(actor, waiting)
    _reviews(actor, waiting)
    waiting.participation_requests = list(
        participation_inbox(actor).select_related("project__organization")
    )
    return waiting
