"""The record services: the only code that creates, edits and deletes registry records (SPEC 4, 5).

Every function takes the acting `registry.tenancy.Actor`, asks the tenant boundary for access,
validates the whole input before it writes anything (`projects.domain.content_checks`: all
field errors at once, as a ValidationError whose `message_dict` names each field), writes inside
one transaction and appends to the audit log. Workflow states change only in
projects/domain/workflow.py.

Editing follows SPEC 5: drafts and records with changes requested are edited in place; a
published record is edited through its pending revision (projects/domain/revisions.py), which
leaves the published content untouched until approved; records under review (or rejected,
archived) are locked. Those rules are stated once, in projects/domain/permissions.py, which the
faces ask before they offer an edit or a deletion.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from projects.choices import RevisionState, WorkflowState
from projects.domain import (
    audit,
    documents,
    identifiers,
    permissions,
    public_metadata,
    refusals,
    revisions,
)
from projects.domain.boundary import access_record_for_change
from projects.domain.content import (
    FIELDS,
    LINK_FIELDS,
    assign_fields,
    changed_fields,
    content_of,
    records_linking_to,
    refresh_completeness,
    write_links,
)
from projects.domain.content_checks import FieldErrors, validated
from projects.models import Record
from registry.tenancy import Actor, require


def create_record(
    actor: Actor,
    model: type[Record],
    organization: Organization,
    data: dict,
    *,
    ref=None,
    draft: bool = False,
) -> Record:
    """A new draft of `model` owned by `organization` (the caller's, never from the body).
    With `draft`, its title is enough (checks.validated); publishing asks for the rest."""
    record = model(
        organization=organization, created_by=actor.user, workflow_state=WorkflowState.DRAFT
    )
    require(actor, "create", record)
    if ref is None and isinstance(data, dict):
        ref = data.get("ref")
    with transaction.atomic():
        content = _validated_new(actor, record, data, ref, draft)
        refresh_completeness(record, content)
        identifiers.insert_new(record, generated=ref in (None, ""))
        write_links(record, content)
        audit.record(
            actor,
            "create",
            record,
            to_state=WorkflowState.DRAFT,
            changed_fields=[name for name in data if name in FIELDS[model]],
        )
    return record


def _validated_new(actor: Actor, record: Record, data: dict, ref, draft: bool) -> dict:
    """Give the new record its identifier and validate its content, reporting all errors."""
    errors = FieldErrors()
    try:
        record.identifier = identifiers.new_identifier(type(record), record.organization, ref)
    except ValidationError as exc:
        errors.merge(exc)
        # A well-formed stand-in, so that the content's own errors are reported too.
        record.identifier = f"{record.organization.identifier_prefix}-NEW"
    try:
        content = validated(actor, record, data, base_links={}, draft=draft)
    except ValidationError as exc:
        errors.merge(exc)
    errors.raise_if_any()
    return content


def update_record(
    actor: Actor, record: Record, data: dict, *, expected_version=None, draft: bool = False
) -> Record:
    """Edit a record: in place for drafts, through a pending revision once published.

    `data` holds the fields to change (others keep their value). `expected_version`, when
    given, must be the record's current version, else StaleVersion and nothing changes.
    """
    refused = refusals.recorded(actor, "change", type(record), record.identifier)
    with refused, transaction.atomic():
        locked = access_record_for_change(actor, record, "change", expected_version)
        _refuse_identifier_change(locked, data)
        if locked.workflow_state == WorkflowState.PUBLISHED:
            return revisions.revise(actor, locked, data, draft=draft)  # refuses one under review
        not_now = permissions.edit_refusal(locked, None)
        if not_now is not None:
            raise not_now
        return _edit_in_place(actor, locked, data, draft)


def _refuse_identifier_change(record: Record, data) -> None:
    if not isinstance(data, dict):
        return
    if data.get("identifier", record.identifier) != record.identifier or data.get("ref") not in (
        None,
        record.ref,
    ):
        raise ValidationError(
            {"identifier": [_("An identifier is immutable once the record is created.")]}
        )


def _edit_in_place(actor: Actor, record: Record, data: dict, draft: bool) -> Record:
    before = content_of(record)
    candidate = copy.copy(record)
    links = {name: before[name] for name in LINK_FIELDS if name in before}
    content = validated(actor, candidate, data, base_links=links, draft=draft)
    changed = changed_fields(before, content)
    if not changed:
        return record
    candidate.version = record.version + 1
    refresh_completeness(candidate, content)
    candidate.save()
    write_links(candidate, content)
    audit.record(
        actor,
        "update",
        candidate,
        from_state=candidate.workflow_state,
        to_state=candidate.workflow_state,
        changed_fields=changed,
    )
    return candidate


def delete_record(actor: Actor, record: Record) -> None:
    """Delete a draft. Anything that reached review stays, for the audit trail; archive it."""
    refused = refusals.recorded(actor, "delete", type(record), record.identifier)
    with refused, transaction.atomic():
        locked = access_record_for_change(actor, record, "delete")
        not_now = permissions.delete_refusal(locked)
        if not_now is not None:
            raise not_now
        audit.record(actor, "delete", locked, from_state=locked.workflow_state)
        linking = records_linking_to(locked)
        documents.delete_documents_of(locked)
        locked.delete()
        # Their links to the draft went with it (cascade), so their scores may drop.
        for source in linking:
            refresh_completeness(source)
            # Its completeness is public content when the source is published.
            with public_metadata.published_content_changes(source):
                source.save(
                    update_fields=[
                        "completeness",
                        "updated_at",
                        "public_version",
                        "public_updated_at",
                    ]
                )


def discard_revision(actor: Actor, record: Record) -> Record:
    """The owner drops the pending revision of a published record before it goes to review.

    Only a revision still being prepared (draft, changes requested) may be discarded; one under
    review is withdrawn first. The published content stays as it is.
    """
    refused = refusals.recorded(actor, "discard_revision", type(record), record.identifier)
    with refused, transaction.atomic():
        locked = access_record_for_change(actor, record, "change")
        revision = revisions.open_revision(locked, for_update=True)
        not_now = permissions.discard_refusal(locked, revision)
        if not_now is not None:
            raise not_now
        from_state = revision.state
        revision.state = RevisionState.DISCARDED
        revision.save(update_fields=["state", "updated_at"])
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record(
            actor,
            "discard_revision",
            locked,
            from_state=from_state,
            to_state=RevisionState.DISCARDED,
            revision=revision.number,
        )
    return locked


def field_errors(
    actor: Actor,
    model: type[Record],
    organization: Organization,
    data: dict,
    record=None,
    *,
    draft: bool = False,
) -> ValidationError | None:
    """The field errors creating (or, given `record`, editing) with `data` would raise, without
    writing anything: a form that could not read some fields still reports the others' errors."""
    if record is None:
        candidate = model(organization=organization, created_by=actor.user)
        require(actor, "create", candidate)
        candidate.identifier = f"{organization.identifier_prefix}-NEW"
        base: dict = {}
    else:
        require(actor, "change", record)
        revision = revisions.open_revision(record)
        base = revision.content if revision is not None else content_of(record)
        candidate = copy.copy(record)
        assign_fields(candidate, base)
    links = {name: base[name] for name in LINK_FIELDS if name in base}
    try:
        validated(actor, candidate, data, base_links=links, draft=draft)
    except ValidationError as error:
        return error
    return None
