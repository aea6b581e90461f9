"""Pending revisions of published records (SPEC 5): open, edit, apply, diff, discard.

Editing a published record puts the proposed content in its open `Revision`; the record's columns
(the published content) stay as they are until a reviewer approves, when `apply_revision` copies
the revision in. `revisions_of(record)` is the one query for a record's revisions (all of them
for the services, or those a person may see). Whether a revision may still be edited is
`permissions.edit_refusal`.
"""

from __future__ import annotations

import copy

from django.contrib.contenttypes.models import ContentType
from django.db import models

from projects.choices import OPEN_REVISION_STATES, RevisionState, WorkflowState
from projects.domain import audit, permissions
from projects.domain.content import (
    FIELDS,
    LINK_FIELDS,
    assign_fields,
    changed_fields,
    content_of,
    refresh_completeness,
    write_links,
)
from projects.domain.content_checks import validated
from projects.models import Record, Revision
from registry import rls
from registry.tenancy import Actor, visible


def revisions_of(record: Record, actor: Actor | None = None):
    """The revisions of a record, in any state: all of them for the services (the caller has
    already accessed the record), or, given `actor`, those that person may see (SPEC 3)."""
    rows = (
        visible(actor, Revision)
        if actor is not None
        else Revision.objects.unscoped("the revisions of a record already accessed")
    )
    return rows.filter(
        organization_id=record.organization_id,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
    )


def open_revision(record: Record, *, for_update: bool = False) -> Revision | None:
    """The pending revision of a published record, if one is open."""
    if record.workflow_state != WorkflowState.PUBLISHED:
        return None
    qs = revisions_of(record).filter(state__in=OPEN_REVISION_STATES)
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


def pending_revisions(actor: Actor, model: type[Record], records) -> dict[int, Revision]:
    """The open revisions of these records that the actor may see, by record pk (one query)."""
    published = [
        record.pk for record in records if record.workflow_state == WorkflowState.PUBLISHED
    ]
    if not published:
        return {}
    revisions = visible(actor, Revision).filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__any=published,
        state__in=OPEN_REVISION_STATES,
    )
    return {revision.object_id: revision for revision in revisions}


def revise(actor: Actor, record: Record, data: dict, *, draft: bool = False) -> Record:
    """Create or update the pending revision of a published record (locked by the caller);
    the published columns stay as they are."""
    revision = open_revision(record, for_update=True)
    locked = permissions.edit_refusal(record, revision)
    if locked is not None:
        raise locked
    base = revision.content if revision is not None else content_of(record)
    candidate = copy.copy(record)
    assign_fields(candidate, base)
    links = {name: base[name] for name in LINK_FIELDS if name in base}
    content = validated(actor, candidate, data, base_links=links, draft=draft)
    changed = changed_fields(base, content)
    if not changed:
        return record
    if revision is None:
        revision = _new_revision(actor, record, content)
    else:
        revision.content = content
        revision.save(update_fields=["content", "updated_at"])
    record.version += 1
    record.save(update_fields=["version", "updated_at"])
    audit.record(
        actor,
        "revise",
        record,
        from_state=revision.state,
        to_state=revision.state,
        revision=revision.number,
        changed_fields=changed,
    )
    return record


def _new_revision(actor: Actor, record: Record, content: dict) -> Revision:
    last = revisions_of(record).aggregate(last=models.Max("number"))["last"]
    return Revision.objects.create(
        organization_id=record.organization_id,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        number=(last or 0) + 1,
        content=content,
        base_version=record.version,
        state=RevisionState.DRAFT,
        created_by=actor.user,
    )


def apply_revision(record: Record, revision: Revision) -> list[str]:
    """Replace the record's live content with the revision's (on approval)."""
    before = content_of(record)
    assign_fields(record, revision.content)
    record.full_clean()
    # The reviewer writes the owner's links, to records the owner chose and the reviewer may not
    # read (its drafts): row-level security lets the system context do it (registry.rls).
    with rls.system_context("approval writes the links its owner validated"):
        write_links(record, revision.content)
    refresh_completeness(record, revision.content)
    return changed_fields(before, revision.content)


def discard_open_revision(record: Record) -> None:
    """Close the pending revision unapplied (archiving a record discards it).

    A reviewer archives too, and may not read the owner's private (draft) revision: row-level
    security lets the system context find and close it (registry.rls).
    """
    with rls.system_context("archiving discards the owner's open revision"):
        revision = open_revision(record, for_update=True)
        if revision is not None:
            revision.state = RevisionState.DISCARDED
            revision.save(update_fields=["state", "updated_at"])


def proposed_content(record: Record) -> dict | None:
    """The pending revision's content, or None when the record has no open revision."""
    revision = open_revision(record)
    return revision.content if revision is not None else None


def diff(record: Record) -> list[dict]:
    """Field by field, what the pending revision would change in the published content."""
    proposed = proposed_content(record)
    if proposed is None:
        return []
    published = content_of(record)
    return [
        {"field": name, "published": published.get(name), "proposed": proposed.get(name)}
        for name in FIELDS[type(record)]
        if published.get(name) != proposed.get(name)
    ]
