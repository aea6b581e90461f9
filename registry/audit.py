"""The append-only audit log (SPEC 5): every workflow action and every change to a record.

`record(...)` is the one way to write it. The database refuses UPDATE and DELETE on the table
(triggers created by projects/migrations/0002_audit_append_only.py), so an entry, once written,
stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType

from projects.models import AuditEntry


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
) -> AuditEntry:
    """Append one entry about `obj` (a Project, Zone or Contact) at its current version."""
    return AuditEntry.objects.create(
        organization_id=obj.organization_id,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        identifier=obj.identifier,
        action=action,
        actor=actor.user if actor is not None else None,
        actor_organization_id=actor_organization_id(actor, obj),
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        revision=revision,
        version=obj.version,
        changed_fields=sorted(changed_fields),
    )
