"""What moves for whom: the change counters behind list ETags, and private activity kept out of
public metadata (issues 10 and 11).

* **Change counters** (`ChangeCounter`): `public` moves when published content changes (what
  anyone sees), `org:<id>` when anything of that organization changes (what its members see).
  Both move in the transaction of the change, so a list's ETag is a digest of a few counters
  (`list_stamp`), read by primary key: a 304 reads no record row and counts nothing.
  Reviewers and platform admins, who see every organization's unpublished records, take the
  sum of all counters.
* **Public metadata** (`Record.public_version`, `Record.public_updated_at`): what a viewer
  outside the owner organization sees as `version` and `updated_at` of a published or archived
  record. The workflow marks the changes of published content (`published_content_changes`);
  a hidden revision opened, edited, submitted or withdrawn moves only the real ones, which the
  owner's members (and whoever sees the pending revision) keep seeing (`shows_private`).

Counters move from model signals (every save and delete of a record, revision, link or
participation bumps its organization's counter; a link or participation between public records
also bumps `public`), and from `published_content_changes` for the records themselves.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

from django.db import connection
from django.db.models import Max, Subquery, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone

from projects.choices import PUBLIC_STATES, WorkflowState
from projects.domain.freshness import FreshnessCutoffs
from projects.models import (
    RECORD_MODELS,
    ChangeCounter,
    ContactProject,
    ContactZone,
    Participation,
    ProjectRelation,
    ProjectZone,
    Record,
    Revision,
)

PUBLIC = "public"

# Sent after a record's public content was saved (record, previous_state): the webhooks' event.
public_change = Signal()


def org_scope(organization_id: int) -> str:
    return f"org:{organization_id}"


def bump(*scopes: str) -> None:
    """Move these counters by one, in the caller's transaction (created on first use)."""
    scopes = sorted(set(scopes))  # one lock order for every transaction
    if not scopes:
        return
    table = connection.ops.quote_name(ChangeCounter._meta.db_table)
    rows = ", ".join(["(%s, 1, %s)"] * len(scopes))
    now = timezone.now()
    params = [value for scope in scopes for value in (scope, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, value, changed_at) VALUES {rows} "
            f"ON CONFLICT (scope) DO UPDATE SET value = {table}.value + 1, "
            "changed_at = EXCLUDED.changed_at",
            params,
        )


# --- Public metadata ---------------------------------------------------------------------------


@contextmanager
def published_content_changes(record: Record):
    """Around the save of a change to what the public sees of `record` (the workflow's approve,
    archive, reconfirm, and any move of the record itself): its public version and time follow
    the real ones, and the public counter moves."""
    previous_state = record.loaded_state
    record.publishing = True
    try:
        yield  # the save; its signal moves the counters (_record_changed)
    finally:
        record.publishing = False
    # Partner webhooks hear of it (projects/domain/webhooks.py; queued by projects/io/webhooks.py).
    public_change.send(sender=type(record), record=record, previous_state=previous_state)
    record.loaded_state = record.workflow_state


def shows_private(actor, record: Record, *, sees_revision: bool = False) -> bool:
    """Does this viewer see the record's real version and updated_at?

    Everyone does while the record is not public (only its members and reviewers see it then);
    of a published or archived record, its members, platform admins, and whoever sees its open
    revision (a reviewer once it is submitted) do. Everyone else sees the public ones.
    """
    return (
        record.workflow_state not in PUBLIC_STATES
        or sees_revision
        or actor.is_platform_admin
        or record.organization_id in actor.org_ids
    )


def version_for(actor, record: Record, *, sees_revision: bool = False) -> int:
    if shows_private(actor, record, sees_revision=sees_revision):
        return record.version
    return record.public_version


def updated_at_for(actor, record: Record, *, sees_revision: bool = False):
    if shows_private(actor, record, sees_revision=sees_revision):
        return record.updated_at
    return record.public_updated_at or record.updated_at


# --- List ETags ------------------------------------------------------------------------------


def counters_seen(actor) -> tuple[str, object]:
    """(the values of the counters `actor`'s lists depend on, as text; the latest change):
    one small query. The part of `list_stamp` that does not move with the clock."""
    counters = ChangeCounter.objects.all()
    if actor.is_reviewer or actor.is_platform_admin:
        summary = counters.aggregate(total=Sum("value"), latest=Max("changed_at"))
        return f"all:{summary['total'] or 0}", summary["latest"]
    scopes = [PUBLIC, *(org_scope(org_id) for org_id in sorted(actor.org_ids))]
    rows = sorted(counters.filter(scope__in=scopes).values_list("scope", "value", "changed_at"))
    counted = ",".join(f"{scope}={value}" for scope, value, _ in rows)
    return counted, max((changed for _, _, changed in rows), default=None)


def list_stamp(actor, model: type[Record], now=None) -> tuple[str, object]:
    """(digest, last modified) of what moves `actor`'s lists of `model`: two small queries.

    The counters the actor's view depends on (by primary key, or all of them for reviewers and
    platform admins), and, because freshness moves with the clock, the latest confirmation
    that has passed each freshness threshold (two index probes on the partial index
    `<record>_confirmed`): when one more record turns stale or inactive, the stamp changes.
    """
    counted, latest = counters_seen(actor)
    cutoffs = FreshnessCutoffs.at(now)
    published = model.objects.unscoped(
        "published rows only, the same for every viewer: which have turned stale or inactive"
    ).filter(workflow_state=WorkflowState.PUBLISHED)

    def latest_before(moment):
        return Subquery(
            published.filter(confirmed_at__lt=moment)
            .order_by("-confirmed_at")
            .values("confirmed_at")[:1]
        )

    crossed = (
        published.annotate(stale=latest_before(cutoffs.stale))
        .annotate(inactive=latest_before(cutoffs.inactive))
        .values_list("stale", "inactive")
        .order_by()[:1]
    )
    thresholds = next(iter(crossed), (None, None))
    digest = hashlib.sha256(
        f"{model.__name__}|{counted}|{thresholds[0]}|{thresholds[1]}".encode()
    ).hexdigest()[:20]
    return digest, latest


# --- The signals -----------------------------------------------------------------------------

# Rows whose changes show in a record list, and the copies saying whether both ends are public.
LINK_STATES = {
    ProjectZone: ("project_state", "zone_state"),
    ContactZone: ("contact_state", "zone_state"),
    ContactProject: ("contact_state", "project_state"),
    ProjectRelation: ("project_state", "related_state"),
    Participation: ("project_state",),
}


def _record_changed(sender, instance, **kwargs) -> None:
    """Any change moves the owner's counter; `public` moves when the public copies moved with
    it (a public record created, or saved within `published_content_changes`)."""
    scopes = [org_scope(instance.organization_id)]
    if instance.workflow_state in PUBLIC_STATES and (
        kwargs.get("signal") is post_delete or instance.public_updated_at == instance.updated_at
    ):
        scopes.append(PUBLIC)
    bump(*scopes)


def _revision_changed(sender, instance, **kwargs) -> None:
    bump(org_scope(instance.organization_id))


def _link_changed(sender, instance, **kwargs) -> None:
    scopes = [org_scope(instance.organization_id)]
    if all(getattr(instance, name) in PUBLIC_STATES for name in LINK_STATES[sender]):
        scopes.append(PUBLIC)
    bump(*scopes)


def connect() -> None:
    """Called by ProjectsConfig.ready."""
    for model in RECORD_MODELS:
        for signal in (post_save, post_delete):
            signal.connect(_record_changed, sender=model, dispatch_uid=f"publicity-{model}")
    for signal in (post_save, post_delete):
        signal.connect(_revision_changed, sender=Revision, dispatch_uid="publicity-revision")
        for model in LINK_STATES:
            signal.connect(_link_changed, sender=model, dispatch_uid=f"publicity-{model}")
