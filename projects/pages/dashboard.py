"""The dashboard's question (SPEC 5, 7): what waits for me?

Each list is a condition in SQL (`_conditions`), so that the dashboard shows its first
`PAGE_SIZE` items and its total, and `/dashboard/<list>/` pages through the rest by a keyset
cursor, without reading every waiting row (issue 21). The queries do not grow with the records:
one COUNT per record type for every list (the records to reconfirm, which grow with all that is
published, counted up to COUNTED_AT_MOST in one more), one query per record type for every
list's first items (a UNION ALL of LIMITed parts), one for the open revisions of the items
shown, one for the comments that sent them back, and two for the participation inbox.

A record's "subject" is its open revision when it has one (a published record being revised),
else the record itself; the lists follow the subject's state, as the workflow does
(`projects.domain.workflow.TRANSITIONS`: sign-off by another admin of the owner, approval by
another reviewer than the one who submitted or signed off).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Q, Value
from django.urls import reverse

from accounts.models import Organization
from projects.choices import RevisionState, WorkflowState
from projects.domain import workflow
from projects.domain.freshness import (
    freshness,
    freshness_condition,
    stale_soon_condition,
)
from projects.domain.participants import participation_inbox
from projects.domain.workflow import latest_comments
from projects.models import RECORD_MODELS, Record, Revision
from projects.pages.record_types import RECORD_NOUNS, detail_url, edit_url
from registry.tenancy import Actor, visible

S = WorkflowState
# What I sent stays on my dashboard, with its state, until it is published (issue 18).
SENT_STATES = (S.PENDING_SIGNOFF, S.SUBMITTED, S.REJECTED)
# How many items of each list the dashboard shows; a list's own page shows as many at a time.
PAGE_SIZE = 20
# The record lists, in the dashboard's order, with the action each item offers.
ACTIONS = {
    "drafts": "edit",
    "organization_drafts": "edit",
    "sent": "",
    "changes_requested": "edit",
    "signoffs": "review",
    "reviews": "review",
    "stale": "reconfirm",
}
# The participation inbox, paged like the record lists (oldest request first).
PARTICIPATIONS = "participation_requests"
# The review queue is oldest first; every other list newest first.
ASCENDING = {"reviews"}
# The lists whose items show the open revision they wait for (the stale list is the record's).
REVISED = set(ACTIONS) - {"stale"}
# The records to reconfirm grow with all that an organization has published (25,000 for the
# largest at 1M), where the other lists hold work in progress. Counting them exactly read every
# one through the row-level security policy (170 ms at 1M, docs/benchmarks.md), so these lists
# count no further than COUNTED_AT_MOST and the page says "more than" (issue 21).
CAPPED = {"stale"}
COUNTED_AT_MOST = 1000


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
            return edit_url(self.record.record_type, self.record.identifier)
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
class Listing:
    """One list of the dashboard: its first items, how many there are in all, and the cursor
    of the next page (None on the last)."""

    name: str
    items: list[Item] = field(default_factory=list)
    total: int = 0
    next_cursor: str | None = None
    # How many of the total each part holds: {record type, or "revisions": count}.
    parts: dict = field(default_factory=dict)
    # The total is a lower bound: a part had more than COUNTED_AT_MOST, and counting stopped.
    capped: bool = False

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self.items)

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def more(self) -> bool:
        return self.total > len(self.items)

    @property
    def url(self) -> str:
        return reverse("dashboard-list", args=[self.name.replace("_", "-")])

    @property
    def counted_at_most(self) -> int:
        return COUNTED_AT_MOST


@dataclass
class Waiting:
    drafts: Listing = field(default_factory=lambda: Listing("drafts"))  # mine: I created them
    organization_drafts: Listing = field(default_factory=lambda: Listing("organization_drafts"))
    sent: Listing = field(default_factory=lambda: Listing("sent"))  # I submitted; not published
    changes_requested: Listing = field(default_factory=lambda: Listing("changes_requested"))
    signoffs: Listing = field(default_factory=lambda: Listing("signoffs"))
    reviews: Listing = field(default_factory=lambda: Listing("reviews"))
    participation_requests: Listing = field(
        default_factory=lambda: Listing(PARTICIPATIONS)
    )  # waiting for my answer, as an admin of the participant
    stale: Listing = field(default_factory=lambda: Listing("stale"))

    @property
    def nothing(self) -> bool:
        lists = [getattr(self, name) for name in ACTIONS]
        return not any(lists) and not self.participation_requests


def _review_url(record: Record) -> str:
    return reverse("record-review", args=[record.record_type, record.identifier])


# --- The lists in SQL ---------------------------------------------------------------------------


def _subject_in(states, organizations, who: Q | None = None) -> tuple[Q, Q]:
    """(on the records, on their open revisions): the records (of `organizations`, or any the
    actor sees when None) whose subject is in one of `states` and meets `who` (a condition on
    created_by/submitted_by/signed_off_by, which records and revisions both carry).

    Two conditions, not one with OR, so that each is served by an index (`<record>_org_state`,
    `revision_one_open_per_record`): a record in these states has no open revision, and a
    published record is listed by its open revision's state, so the two never overlap."""
    who = who if who is not None else Q()
    records = Q(workflow_state__in=states) & who
    revisions = Q(state__in=states) & who
    if organizations is not None:
        records &= Q(organization_id__in=organizations)
        revisions &= Q(organization_id__in=organizations)
    return records, revisions


def _conditions(actor: Actor) -> dict[str, tuple[Q, Q | None]]:
    """{list: (condition on a record table, condition on Revision or None)} for the lists this
    actor has; the same lists whatever the data, so the number of queries depends on the roles
    only."""
    me = actor.user_id
    editing = actor.orgs_where("editor")
    admin = actor.orgs_where("admin")
    found: dict[str, tuple[Q, Q | None]] = {}
    if editing:
        found["drafts"] = _subject_in([S.DRAFT], editing, Q(created_by_id=me))
        found["organization_drafts"] = _subject_in([S.DRAFT], editing, ~Q(created_by_id=me))
        found["sent"] = _subject_in(SENT_STATES, editing, Q(submitted_by_id=me))
        found["changes_requested"] = _subject_in([S.CHANGES_REQUESTED], editing)
    if admin:
        # What the owner's admins sign off, less what the four-eyes rule keeps from me.
        states, four_eyes = workflow.awaiting("signoff", me)
        found["signoffs"] = _subject_in(states, admin, four_eyes)
    if actor.is_reviewer:
        # What reviewers approve, less what I submitted or signed off myself.
        states, four_eyes = workflow.awaiting("approve", me)
        found["reviews"] = _subject_in(states, None, four_eyes)
    if editing:
        stale = freshness_condition("stale") | freshness_condition("inactive")
        found["stale"] = (Q(organization_id__in=editing) & (stale | stale_soon_condition()), None)
    return found


def _ordered(queryset, name: str):
    if name in ASCENDING:
        return queryset.order_by("updated_at", "pk")
    return queryset.order_by("-updated_at", "-pk")


def _key(record: Record) -> tuple:
    return (record.updated_at, record.record_type, record.pk)


def _after(name: str, record_type: str, cursor: tuple) -> Q:
    """Rows of `record_type` after the cursor (updated_at, record type, pk) in the list's order:
    the keyset that the merge of the record types by `_key` continues."""
    moment, cursor_type, pk = cursor
    later = name in ASCENDING
    beyond = "gt" if later else "lt"
    if record_type == cursor_type:
        return Q(**{f"updated_at__{beyond}": moment}) | Q(
            updated_at=moment, **{f"pk__{beyond}": pk}
        )
    type_beyond = record_type > cursor_type if later else record_type < cursor_type
    return Q(**{f"updated_at__{beyond}{'e' if type_beyond else ''}": moment})


# --- Reading -------------------------------------------------------------------------------------


def _types():
    return [(model, ContentType.objects.get_for_model(model)) for model in RECORD_MODELS]


def _anywhere(conditions) -> Q:
    found = Q()
    for condition in conditions:
        found |= condition
    return found


def _counts(actor: Actor, model, conditions: dict) -> dict[str, int]:
    """Every list's records (not revised) of one record type: one COUNT query for the lists of
    work in progress, and one for each capped list, which stops at COUNTED_AT_MOST + 1."""
    on_records = {name: records for name, (records, _revisions) in conditions.items()}
    exact = {name: q for name, q in on_records.items() if name not in CAPPED}
    counts = {}
    if exact:
        counts = (
            visible(actor, model)
            .filter(_anywhere(exact.values()))
            .aggregate(**{name: Count("pk", filter=q) for name, q in exact.items()})
        )
    for name in on_records.keys() & CAPPED:
        first = visible(actor, model).filter(on_records[name]).order_by()
        counts[name] = first[: COUNTED_AT_MOST + 1].count()
    return counts


def _revision_counts(actor: Actor, conditions: dict, content_types) -> dict[str, int]:
    """Every list's revised records, of every record type, in one COUNT query."""
    on_revisions = {name: q for name, (_records, q) in conditions.items() if q is not None}
    if not on_revisions:
        return {}
    return (
        visible(actor, Revision)
        .filter(_anywhere(on_revisions.values()), content_type__in=content_types)
        .aggregate(**{name: Count("pk", filter=q) for name, q in on_revisions.items()})
    )


def _first(actor: Actor, model, content_type, lists: dict, size: int, cursor=None) -> list:
    """[(list, record)]: up to `size` + 1 records of each list (after `cursor`), in one query
    (a UNION ALL of LIMITed parts: the records in the list's states, and the records whose
    open revision is). A part the counts found empty is left out: the SQL stays short; one part
    at least, so that the number of queries does not depend on the data."""
    parts = []
    for name, (on_records, on_revisions) in _chosen(actor, lists).items():
        wheres = []
        if lists[name].parts.get(model.record_type) or not parts and name == next(iter(lists)):
            wheres.append(on_records)
        if on_revisions is not None and lists[name].parts.get("revisions"):
            revised = visible(actor, Revision).filter(on_revisions, content_type=content_type)
            wheres.append(Q(pk__in=revised.values("object_id")))
        for where in wheres:
            rows = visible(actor, model).filter(where)
            if cursor is not None:
                rows = rows.filter(_after(name, model.record_type, cursor))
            parts.append(_limited(actor, model, rows, name, size + 1))
    if not parts:
        return []
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return [(record.dashboard_list, record) for record in combined]


def _limited(actor: Actor, model, rows, name: str, limit: int):
    """The first `limit` of `rows` in the list's order, as one part of a UNION ALL. SQLite
    refuses LIMIT in the parts of a compound statement but takes it in an IN subquery, so there
    the part is the rows whose key is among the first ones (still one query for all parts)."""
    first = _ordered(rows, name)[:limit]
    if connection.features.supports_slicing_ordering_in_compound:
        return first.annotate(dashboard_list=Value(name))
    among_first = visible(actor, model).filter(pk__in=first.values("pk"))
    return among_first.annotate(dashboard_list=Value(name)).order_by()


def _organizations(records: list[Record]) -> None:
    """Each record's organization, in one query (a UNION cannot join them)."""
    ids = {record.organization_id for record in records}
    if not ids:
        return
    found = Organization.objects.in_bulk(ids)
    for record in records:
        record.organization = found[record.organization_id]


def _revisions(actor: Actor, listed: dict[str, list[Record]], types) -> dict:
    """{(record type, pk): open revision} of the items shown, in one query."""
    about = Q()
    content_types = {model: content_type for model, content_type in types}
    for name, records in listed.items():
        if name not in REVISED:
            continue
        for record in records:
            about |= Q(content_type=content_types[type(record)], object_id=record.pk)
    if not about:
        return {}
    model_of = {content_type.pk: model for model, content_type in types}
    open_states = [RevisionState.DRAFT, RevisionState.CHANGES_REQUESTED, *SENT_STATES]
    rows = visible(actor, Revision).filter(about, state__in=open_states)
    return {(model_of[row.content_type_id], row.object_id): row for row in rows}


def _items(actor: Actor, name: str, records: list[Record], revisions: dict) -> list[Item]:
    items = []
    for record in records:
        if name == "stale":
            fresh = freshness(record)
            items.append(Item(record, record.workflow_state, "reconfirm", None, fresh))
            continue
        revision = revisions.get((type(record), record.pk))
        if name == "reviews" and revision is not None and revision.state != S.SUBMITTED:
            revision = None
        state = revision.state if revision is not None else record.workflow_state
        items.append(Item(record, state, ACTIONS[name], revision))
    return items


def _fill(actor: Actor, lists: dict[str, Listing], size: int, cursor=None) -> None:
    """The first `size` items of each of `lists` (after `cursor`), the record types merged."""
    types = _types()
    found: dict[str, list[Record]] = {name: [] for name in lists}
    for model, content_type in types:
        for name, record in _first(actor, model, content_type, lists, size, cursor):
            found[name].append(record)
    for name, records in found.items():
        records.sort(key=_key, reverse=name not in ASCENDING)
        if len(records) > size:
            lists[name].next_cursor = encode_cursor(records[size - 1])
        found[name] = records[:size]
    _organizations([record for records in found.values() for record in records])
    revisions = _revisions(actor, found, types)
    sent_back = []
    for name, records in found.items():
        lists[name].items = _items(actor, name, records, revisions)
        if name in REVISED:
            sent_back += lists[name].items
    _attach_comments(actor, sent_back)


def _chosen(actor: Actor, lists) -> dict:
    return {name: found for name, found in _conditions(actor).items() if name in lists}


def _totals(actor: Actor, lists: dict[str, Listing]) -> None:
    """Each list's total: one COUNT per record type (two with a capped list) and one for the
    revisions."""
    conditions = _chosen(actor, lists)
    types = _types()
    for model, _content_type in types:
        for name, count in _counts(actor, model, conditions).items():
            lists[name].parts[model.record_type] = count
            lists[name].total += count
            lists[name].capped |= count > COUNTED_AT_MOST
    content_types = [content_type for _model, content_type in types]
    for name, count in _revision_counts(actor, conditions, content_types).items():
        lists[name].parts["revisions"] = count
        lists[name].total += count


def _attach_comments(actor: Actor, items: list[Item]) -> None:
    """The comment that sent each record back (one query for them all, if any)."""
    key = lambda item: (type(item.record), item.record.pk)  # noqa: E731
    subjects = {key(item): item.revision for item in items}
    comments = latest_comments(actor, [item.record for item in items], subjects)
    for item in items:
        item.comment = comments.get(key(item))


# --- Cursors -------------------------------------------------------------------------------------


def encode_cursor(record: Record) -> str:
    return f"{record.updated_at.isoformat()}~{record.record_type}~{record.pk}"


def decode_cursor(text: str | None, kinds=RECORD_NOUNS) -> tuple | None:
    """The (updated_at, record type, pk) of a cursor; None for none or a malformed one."""
    try:
        moment, record_type, pk = (text or "").split("~")
        moment = datetime.datetime.fromisoformat(moment)
        if moment.tzinfo is None or record_type not in kinds:
            return None
        pk = int(pk)
        if not 0 <= pk < 2**63:  # beyond bigint: the database would refuse the comparison
            return None
        return moment, record_type, pk
    except ValueError:
        return None


# --- The faces' entry points ---------------------------------------------------------------------


def list_names(actor: Actor) -> list[str]:
    """The lists this actor's dashboard has (the record lists, then the participation
    inbox)."""
    return [*_conditions(actor), PARTICIPATIONS]


def _without_jit() -> None:
    """Turn JIT compilation off for the rest of the transaction: the policies' subqueries make
    the lists' small, index-served queries look expensive to the planner, whose compiling then
    costs 50 to 100 times their work (measured at 100k, docs/benchmarks.md, issue 21)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def waiting_for(actor: Actor, size: int | None = None) -> Waiting:
    size = size or PAGE_SIZE
    _without_jit()
    waiting = Waiting()
    lists = {name: getattr(waiting, name) for name in _conditions(actor)}
    _totals(actor, lists)
    _fill(actor, lists, size)
    waiting.participation_requests = participation_page(actor, None, size)
    return waiting


def one_list(actor: Actor, name: str, cursor: str | None, size: int | None = None) -> Listing:
    """One page of one list (`name` one of `list_names(actor)`), after `cursor`."""
    size = size or PAGE_SIZE
    _without_jit()
    listing = Listing(name)
    lists = {name: listing}
    _totals(actor, lists)
    _fill(actor, lists, size, decode_cursor(cursor))
    return listing


def participation_page(actor: Actor, cursor: str | None, size: int | None = None) -> Listing:
    """One page of the participation requests waiting for my answer, oldest first, after
    `cursor` (created_at, pk): a COUNT and one LIMITed query."""
    size = size or PAGE_SIZE
    inbox = participation_inbox(actor)
    listing = Listing(PARTICIPATIONS, total=inbox.count())
    after = decode_cursor(cursor, kinds=("participations",))
    rows = inbox.select_related("project__organization")
    if after is not None:
        moment, _kind, pk = after
        rows = rows.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
    found = list(rows[: size + 1])
    listing.items = found[:size]
    if len(found) > size:
        last = found[size - 1]
        listing.next_cursor = f"{last.created_at.isoformat()}~participations~{last.pk}"
    return listing
