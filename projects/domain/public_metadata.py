"""Private activity kept out of public metadata (issue 10).

`Record.public_version` and `Record.public_updated_at` are what a viewer outside the owner
organization sees as `version` and `updated_at` of a published or archived record. The workflow
marks the changes of published content (`published_content_changes`); a hidden revision opened,
edited, submitted or withdrawn moves only the real ones, which the owner's members (and whoever
sees the pending revision) keep seeing (`shows_private`).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.dispatch import Signal

from projects.choices import PUBLIC_STATES
from projects.models import Record

# Sent after a record's public content was saved (record, previous_state): the webhooks' event.
public_change = Signal()


@contextmanager
def published_content_changes(record: Record):
    """Around the save of a change to what the public sees of `record` (the workflow's approve,
    archive, reconfirm, and any move of the record itself): its public version and time follow
    the real ones, and the public counter moves."""
    previous_state = record.loaded_state
    record.publishing = True
    try:
        yield  # the save; its signal moves the counters (change_counters._record_changed)
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
