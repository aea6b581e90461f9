"""The append-only audit log (SPEC 5), beside its model: every workflow action and every change.

`record(...)` is the one way to write it. The database refuses UPDATE and DELETE on the table
(triggers created by projects/migrations/0002_audit_append_only.py), so an entry, once written,
stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from projects.models import AuditEntry

# The actions that change what the public sees: the entries that make up the `changes/` feed.
PUBLIC_EVENT_ACTIONS = ("approve", "archive")
# Any constant works; it names the one advisory lock that orders public events.
_PUBLIC_EVENT_LOCK = 0x5EED_FEED


def _serialize_public_events() -> None:
    """Make public events commit in the order of their ids.

    Partners sync by reading the feed after a cursor (an entry id). If two events could commit
    out of id order, a poller might pass the later id before the earlier one is visible and never
    see it. Holding a transaction-level advisory lock from before the insert until commit makes
    each event wait for the previous one to commit. SQLite admits one writer at a time anyway.
    Public events are rare (approvals, archives), so the wait costs nothing in practice.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PUBLIC_EVENT_LOCK])


def actor_organization_id(actor, obj) -> int | None:
    """The organization the actor acted for: the owner if they belong to it, else their own one.

    Reviewers act for the secretariat; an actor with several organizations and none of them the
    owner gets the first (an API key actor has exactly one).
    """
    if actor is None or not actor.is_authenticated:
        return None
    if obj.organization_id in actor.roles:
        return obj.organization_id
    return min(actor.roles) if actor.roles else None


def content_type_of(model):
    """The content type an entry about a record of `model` names (cached by Django)."""
    return ContentType.objects.get_for_model(model)


def entries_of(entries, obj):
    """The entries of `entries` (a queryset, already scoped) about one record."""
    return entries.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    )


def record(
    actor,
    action: str,
    obj,
    *,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    revision: int | None = None,
    changed_fields: Iterable[str] = (),
    acting_for: int | None = None,
) -> AuditEntry:
    """Append one entry about `obj` (a Project, Zone or Contact) at its current version.

    `acting_for` names the organization the actor acted for when it is neither the owner nor
    their first one (a participant's admin answering).
    """
    if action in PUBLIC_EVENT_ACTIONS:
        _serialize_public_events()
    return AuditEntry.objects.create(
        organization_id=obj.organization_id,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        identifier=obj.identifier,
        action=action,
        actor=actor.user if actor is not None else None,
        actor_organization_id=acting_for or actor_organization_id(actor, obj),
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        revision=revision,
        version=obj.version,
        changed_fields=sorted(changed_fields),
    )


def record_about_organization(
    actor, action: str, organization, *, comment: str = "", changed_fields: Iterable[str] = ()
) -> AuditEntry:
    """Append one entry about an organization as a whole: a bulk import, a merge.

    The log's columns name a record; here they name the organization instead (its content type,
    id and identifier prefix, version 1), so the append-only table needs nothing new. Record
    histories select entries by record, so these never appear in one; the `changes/` feed
    selects record types, so it never shows them either. Platform admins see them.
    """
    return AuditEntry.objects.create(
        organization_id=organization.pk,
        content_type=ContentType.objects.get_for_model(type(organization)),
        object_id=organization.pk,
        identifier=organization.identifier_prefix,
        action=action,
        actor=actor.user if actor is not None else None,
        actor_organization_id=actor_organization_id(
            actor, SimpleNamespace(organization_id=organization.pk)
        ),
        comment=comment,
        version=1,
        changed_fields=sorted(changed_fields),
    )
