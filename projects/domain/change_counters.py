"""What moves for whom: the change counters behind list ETags (issues 10 and 11).

`public` moves when published content changes (what anyone sees), `org:<id>` when anything of
that organization changes (what its members see). Both move in the transaction of the change,
so a list's ETag is a digest of a few counters (`list_stamp`), read by primary key: a 304 reads
no record row and counts nothing. Reviewers and platform admins, who see every organization's
unpublished records, take the sum of all counters.

Counters move from model signals: every save and delete of a record, revision, link or
participation bumps its organization's counter; a link or participation between public records
also bumps `public`, and so does a record saved within
`public_metadata.published_content_changes`.
"""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import Max, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.utils import timezone

from projects.choices import PUBLIC_STATES, WorkflowState
from projects.domain.freshness import confirmations_at_thresholds
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
    published = model.objects.unscoped(
        "published rows only, the same for every viewer: which have turned stale or inactive"
    ).filter(workflow_state=WorkflowState.PUBLISHED)
    thresholds = confirmations_at_thresholds(published, now, before=True)
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
