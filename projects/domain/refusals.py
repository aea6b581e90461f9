"""Refused actions on private records, written to the record's own audit log.

When someone tries to change, delete or move through the workflow a record that is not public
(a draft, a submission, ...) and the boundary refuses (NotVisible: 404, NotAllowed: 403), the
record's audit log gets a `refused` entry naming the action, the actor and the reason. The
owners and reviewers, who read that log, see who tried what. Refusals on public records are
not logged: anyone may probe those, and they hide nothing.

The entry is written after the action's own transaction has rolled back (the `recorded`
context manager is entered outside `transaction.atomic`), so the refusal stays while the
action leaves no trace. Sign-ins and lockouts are not about records: accounts.domain.security.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.utils import translation

from projects.choices import PUBLIC_STATES
from projects.domain import audit
from projects.domain.boundary import access_record
from projects.models import Record
from registry import rls
from registry.tenancy import Actor, NotAllowed, NotVisible

REFUSED = "refused"
NOT_VISIBLE_REASON = "the record is not visible to this caller"


def note_refusal(actor: Actor, action: str, record: Record, refusal: Exception) -> None:
    """Append a `refused` entry to a private record's audit log (public records: nothing)."""
    if record.workflow_state in PUBLIC_STATES:
        return
    # The log's comments written by the registry are English (AuditEntry.comment_is_the_systems).
    with translation.override("en"):
        reason = str(refusal.message) if isinstance(refusal, NotAllowed) else NOT_VISIBLE_REASON
    audit.record(actor, REFUSED, record, comment=f"{action.replace('_', ' ')}: {reason}"[:2000])


def _target(model: type[Record], identifier: str) -> Record | None:
    if not isinstance(identifier, str):
        return None
    return (
        model.objects.unscoped("the record a refused action was aimed at, for its audit log")
        .filter(identifier=identifier)
        .first()
    )


@contextmanager
def recorded(actor: Actor, action: str, model: type[Record], identifier: str):
    """Let a refusal of `action` on this record propagate, noting it in the record's log first.

    Enter it outside the action's `transaction.atomic()`, or the note rolls back with it.
    """
    try:
        yield
    except (NotVisible, NotAllowed) as refusal:
        # The refused actor may neither read the record nor write its log: row-level security
        # lets the system context find the record and note the refusal (registry.rls).
        with rls.system_context("a refusal is noted in the refused record's log"):
            record = _target(model, identifier)
            if record is not None:
                note_refusal(actor, action, record, refusal)
        raise


def access_for(actor: Actor, model: type[Record], identifier: str, action: str) -> Record:
    """access_record for a face about to take `action`: a 404 here is noted like the action's."""
    with recorded(actor, action, model, identifier):
        return access_record(actor, model, identifier)
