"""The only code that creates, edits and deletes registry records (SPEC 4 and 5).

Every function takes the acting `registry.tenancy.Actor`, asks the tenant boundary for access,
validates the whole input before it writes anything (all field errors at once, as a
ValidationError whose `message_dict` names each field), writes inside one transaction and
appends to the audit log. Workflow states change only in projects/workflow.py.

Editing follows SPEC 5: drafts and records with changes requested are edited in place; a
published record is edited through its pending `Revision`, which leaves the published content
untouched until approved; records under review (or rejected, archived) are locked.
"""

from __future__ import annotations

import copy
import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import Organization
from registry import audit, rls
from registry.tenancy import (
    Actor,
    NotVisible,
    access_record,
    require,
    require_create,
    visible,
)

from . import notifications, validation, visibility_copies
from .content import (
    FIELDS,
    LINK_FIELDS,
    REQUIRED_TO_PUBLISH,
    SERVER_FIELDS,
    assign_fields,
    content_of,
    records_linking_to,
    refresh_completeness,
    write_links,
)
from .errors import InvalidTransition, RecordLocked, StaleVersion
from .models import (
    EDITABLE_STATES,
    OPEN_REVISION_STATES,
    RECORD_MODELS,
    Contact,
    ParticipantRole,
    Participation,
    ParticipationStatus,
    Project,
    Record,
    RelationKind,
    Revision,
    RevisionState,
    WorkflowState,
    Zone,
    ZoneKind,
)

# Generated refs: a letter per type and a short sequence, e.g. CN-XIAN-P-0001.
REF_LETTERS = {Project: "P", Zone: "Z", Contact: "C"}
# Revision states in which the proposed content may still be edited.
EDITABLE_REVISION_STATES = (RevisionState.DRAFT, RevisionState.CHANGES_REQUESTED)


# --- Validation ------------------------------------------------------------------------------


class FieldErrors:
    """Collects field errors so that a caller sees every problem at once."""

    def __init__(self):
        self.errors: dict[str, list] = {}

    def add(self, field: str, message: str, code: str = "invalid", **params) -> None:
        self.errors.setdefault(field, []).append(
            ValidationError(message, code=code, params=params or None)
        )

    def merge(self, error: ValidationError) -> None:
        for field, messages in error.error_dict.items():
            self.errors.setdefault(field, []).extend(messages)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _check_keys(model: type[Record], data: dict, errors: FieldErrors) -> dict:
    """Keep the writable fields of `data`; unknown names are field errors, server ones ignored."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["Give the record's fields as an object."]})
    content = {}
    for name, value in data.items():
        if name in FIELDS[model]:
            content[name] = value
        elif name in ("identifier", "ref"):
            continue  # handled by the caller: given at creation, immutable afterwards
        elif name not in SERVER_FIELDS:
            errors.add(
                name,
                "%(name)s is not a field of a %(type)s.",
                code="unknown_field",
                name=name,
                type=model.__name__.lower(),
            )
    return content


# The JSON types each kind of column accepts; anything else is refused before conversion.
SCALAR_TYPES = (
    (models.DateField, (str,), "Give %(name)s as a date, YYYY-MM-DD.", "invalid_date"),
    (models.DecimalField, (str, int, float), "Give %(name)s as a number.", "invalid_number"),
    (models.CharField, (str,), "Give %(name)s as text.", "not_text"),
)


def _normalize_scalars(model: type[Record], content: dict, errors: FieldErrors) -> None:
    """Empty values mean 'no value' for nullable columns; other values must have the right type."""
    for name in list(content):
        if name in LINK_FIELDS:
            continue
        field = model._meta.get_field(name)
        value = content[name]
        if isinstance(field, models.JSONField) or value is None:
            continue
        if field.null and value in ("", [], {}):
            content[name] = None
            continue
        for column_type, accepted, message, code in SCALAR_TYPES:
            if isinstance(field, column_type) and (
                not isinstance(value, accepted) or isinstance(value, bool)
            ):
                errors.add(name, message, code, name=name)
                del content[name]
                break


def _check_dates(candidate: Record, errors: FieldErrors) -> None:
    pairs = {
        Project: [("planned_start", "planned_end"), ("actual_start", "actual_end")],
        Contact: [("valid_from", "valid_until")],
    }.get(type(candidate), [])
    for start_name, end_name in pairs:
        validation.check_date_order(
            errors.errors,
            start_name,
            getattr(candidate, start_name),
            end_name,
            getattr(candidate, end_name),
        )


def _check_budget(candidate: Record, errors: FieldErrors) -> None:
    has_amount = isinstance(candidate, Project) and candidate.budget_amount is not None
    if has_amount and not candidate.budget_currency:
        errors.add(
            "budget_currency",
            "A budget amount needs its ISO 4217 currency (for example CNY, KZT, UZS).",
            "currency_required",
        )


def _identifier_list(value, name: str, errors: FieldErrors) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.add(name, "Give %(name)s as a list of identifiers.", "not_a_list", name=name)
        return None
    if len(set(value)) != len(value):
        errors.add(name, "Each of %(name)s may appear once.", "duplicate", name=name)
        return None
    return value


def _check_visible_identifiers(
    actor: Actor, model: type[Record], identifiers: list[str], name: str, errors: FieldErrors
) -> None:
    for identifier in identifiers:
        try:
            access_record(actor, model, identifier)
        except NotVisible:
            errors.add(
                name,
                "No %(type)s with identifier %(identifier)s.",
                "unknown_record",
                type=model.__name__.lower(),
                identifier=identifier,
            )


def _check_related_projects(
    actor: Actor, candidate: Record, value, errors: FieldErrors
) -> list | None:
    shape_error = "Give related_projects as a list of {identifier, kind (parent, child, sibling)}."
    if not isinstance(value, list) or not all(
        isinstance(item, dict)
        and set(item) == {"identifier", "kind"}
        and isinstance(item["identifier"], str)
        and item["kind"] in RelationKind.values
        for item in value
    ):
        errors.add("related_projects", shape_error, "invalid_relation")
        return None
    identifiers = [item["identifier"] for item in value]
    if len(set(identifiers)) != len(identifiers):
        errors.add("related_projects", "Each related project may appear once.", "duplicate")
        return None
    if candidate.identifier in identifiers:
        errors.add("related_projects", "A project cannot be related to itself.", "self_relation")
        return None
    _check_visible_identifiers(actor, Project, identifiers, "related_projects", errors)
    return sorted(value, key=lambda item: item["identifier"])


def _check_links(actor: Actor, candidate: Record, content: dict, errors: FieldErrors) -> dict:
    """Validate the link fields of content; return them normalized (sorted)."""
    links = {}
    for name in LINK_FIELDS & set(content):
        if name == "related_projects":
            checked = _check_related_projects(actor, candidate, content[name], errors)
        else:
            checked = _identifier_list(content[name], name, errors)
            if checked is not None:
                target = Zone if name == "zones" else Project
                _check_visible_identifiers(actor, target, checked, name, errors)
                checked = sorted(checked)
        if checked is not None:
            links[name] = checked
    return links


def _validated(actor: Actor, candidate: Record, data: dict, base_links: dict) -> dict:
    """Apply `data` to the unsaved `candidate`, validate everything, return the full content.

    Raises ValidationError naming every field in error; nothing is written.
    """
    model = type(candidate)
    errors = FieldErrors()
    changes = _check_keys(model, data, errors)
    if model is Contact and "countries" not in changes and candidate.pk is None:
        # A contact's countries default to those it covers.
        changes["countries"] = changes.get("countries_covered", [])
    _normalize_scalars(model, changes, errors)
    assign_fields(candidate, changes)
    try:
        candidate.full_clean()
    except ValidationError as exc:
        errors.merge(exc)
    if not errors.errors:
        _check_dates(candidate, errors)
        _check_budget(candidate, errors)
    links = {**base_links, **_check_links(actor, candidate, changes, errors)}
    errors.raise_if_any()
    content = content_of(candidate)
    content.update(links)
    return content


def check_publishable(model: type[Record], content: dict) -> None:
    """Is the record complete enough to publish (SPEC 5)? Missing fields come back as errors."""
    errors = FieldErrors()
    for name in REQUIRED_TO_PUBLISH[model]:
        if content.get(name) in (None, "", [], {}):
            errors.add(name, "%(name)s is needed to publish.", "required_to_publish", name=name)
    if model is Project and not (content.get("locations") or content.get("zones")):
        errors.add(
            "locations",
            "A project needs at least one location or a linked zone to be published.",
            "location_or_zone_required",
        )
    cross_border = model is Zone and content.get("kind") == ZoneKind.CROSS_BORDER_TOURISM_ZONE
    if cross_border and len(content.get("countries") or []) < 2:
        errors.add(
            "countries",
            "A cross-border tourism zone lies in two or more countries.",
            "cross_border_needs_two_countries",
        )
    if model is Contact and not (content.get("phone") or content.get("email")):
        errors.add("phone", "A contact needs a phone number or an email.", "phone_or_email")
    errors.raise_if_any()


# --- Identifiers -----------------------------------------------------------------------------


def _identifier_taken(organization: Organization, identifier: str) -> bool:
    return any(
        model.objects.unscoped("identifier uniqueness across record types")
        .filter(organization=organization, identifier__iexact=identifier)
        .exists()
        for model in RECORD_MODELS
    )


def _generated_ref(model: type[Record], organization: Organization) -> str:
    """The next short sequence ref of this type in the organization, e.g. P-0007."""
    letter = REF_LETTERS[model]
    head = f"{organization.identifier_prefix}-{letter}-"
    pattern = re.compile(rf"^{re.escape(head)}(\d+)$")
    taken = model.objects.unscoped("next ref number").filter(
        organization=organization, identifier__startswith=head
    )
    identifiers = taken.values_list("identifier", flat=True)
    numbers = [int(m.group(1)) for i in identifiers if (m := pattern.match(i))]
    number = max(numbers, default=0) + 1
    while _identifier_taken(organization, f"{head}{number:04d}"):
        number += 1
    return f"{letter}-{number:04d}"


def _new_identifier(model, organization, ref) -> str:
    if ref in (None, ""):
        ref = _generated_ref(model, organization)
    try:
        validation.validate_ref(ref)
    except ValidationError as exc:
        raise ValidationError({"ref": exc.messages}) from None
    identifier = f"{organization.identifier_prefix}-{ref}"
    if _identifier_taken(organization, identifier):
        raise ValidationError(
            {"ref": [f"The identifier {identifier} is already in use; choose another ref."]}
        )
    return identifier


# --- Records ---------------------------------------------------------------------------------


def create_record(
    actor: Actor, model: type[Record], organization: Organization, data: dict, *, ref=None
) -> Record:
    """A new draft of `model` owned by `organization` (the caller's, never from the body)."""
    require_create(actor, model, organization)
    if ref is None and isinstance(data, dict):
        ref = data.get("ref")
    with transaction.atomic():
        record = model(
            organization=organization, created_by=actor.user, workflow_state=WorkflowState.DRAFT
        )
        content = _validated_new(actor, record, data, ref)
        refresh_completeness(record, content)
        _insert_new(record, generated=ref in (None, ""))
        write_links(record, content)
        audit.record(
            actor,
            "create",
            record,
            to_state=WorkflowState.DRAFT,
            changed_fields=[name for name in data if name in FIELDS[model]],
        )
    return record


def _validated_new(actor: Actor, record: Record, data: dict, ref) -> dict:
    """Give the new record its identifier and validate its content, reporting all errors."""
    errors = FieldErrors()
    try:
        record.identifier = _new_identifier(type(record), record.organization, ref)
    except ValidationError as exc:
        errors.merge(exc)
        # A well-formed stand-in, so that the content's own errors are reported too.
        record.identifier = f"{record.organization.identifier_prefix}-NEW"
    try:
        content = _validated(actor, record, data, base_links={})
    except ValidationError as exc:
        errors.merge(exc)
    errors.raise_if_any()
    return content


def _insert_new(record: Record, *, generated: bool, attempts: int = 5) -> None:
    """Insert a new record; a generated ref taken meanwhile by a parallel create is redrawn."""
    for _ in range(attempts):
        try:
            with transaction.atomic():
                record.save()
            return
        except IntegrityError:
            # Another request took the same identifier between our check and our insert.
            if not generated:
                break
            record.identifier = _new_identifier(type(record), record.organization, None)
    raise ValidationError(
        {"ref": [f"The identifier {record.identifier} is already in use; choose another ref."]}
    )


def open_revision(record: Record, *, for_update: bool = False) -> Revision | None:
    """The pending revision of a published record, if one is open."""
    if record.workflow_state != WorkflowState.PUBLISHED:
        return None
    qs = Revision.objects.unscoped("the open revision of a record already accessed").filter(
        organization_id=record.organization_id,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        state__in=OPEN_REVISION_STATES,
    )
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


def _lock_for_change(actor: Actor, record: Record, action: str, expected_version) -> Record:
    locked = access_record(actor, type(record), record.identifier, for_update=True)
    require(actor, action, locked)
    check_version(locked, expected_version)
    return locked


def check_version(record: Record, expected_version) -> None:
    """StaleVersion unless `expected_version` (when given) is the record's current version."""
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = None  # an unreadable version cannot be the current one
    if expected != record.version:
        raise StaleVersion(record.version)


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


def update_record(actor: Actor, record: Record, data: dict, *, expected_version=None) -> Record:
    """Edit a record: in place for drafts, through a pending revision once published.

    `data` holds the fields to change (others keep their value). `expected_version`, when
    given, must be the record's current version, else StaleVersion and nothing changes.
    """
    with transaction.atomic():
        locked = _lock_for_change(actor, record, "change", expected_version)
        _refuse_identifier_change(locked, data)
        if locked.workflow_state in EDITABLE_STATES:
            return _edit_in_place(actor, locked, data)
        if locked.workflow_state == WorkflowState.PUBLISHED:
            return _edit_revision(actor, locked, data)
        raise RecordLocked(_locked_reason(locked.workflow_state))


def _locked_reason(state: str) -> str:
    if state in (WorkflowState.SUBMITTED, WorkflowState.PENDING_SIGNOFF):
        return f"The record is {state.replace('_', ' ')} and locked; withdraw it to edit."
    if state == WorkflowState.REJECTED:
        return "The record was rejected; an admin of its organization must reopen it first."
    return f"The record is {state} and can no longer be edited."


def _refuse_identifier_change(record: Record, data) -> None:
    if not isinstance(data, dict):
        return
    if data.get("identifier", record.identifier) != record.identifier or data.get("ref") not in (
        None,
        record.ref,
    ):
        raise ValidationError(
            {"identifier": ["An identifier is immutable once the record is created."]}
        )


def _edit_in_place(actor: Actor, record: Record, data: dict) -> Record:
    before = content_of(record)
    candidate = copy.copy(record)
    links = {name: before[name] for name in LINK_FIELDS if name in before}
    content = _validated(actor, candidate, data, base_links=links)
    changed = _changed(before, content)
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


def _edit_revision(actor: Actor, record: Record, data: dict) -> Record:
    """Create or update the pending revision; the published columns stay as they are."""
    revision = open_revision(record, for_update=True)
    if revision is not None and revision.state not in EDITABLE_REVISION_STATES:
        raise RecordLocked(
            f"The pending revision is {revision.get_state_display()}; "
            + (
                "an admin of the organization must reopen it first."
                if revision.state == RevisionState.REJECTED
                else "withdraw it to edit."
            )
        )
    base = revision.content if revision is not None else content_of(record)
    candidate = copy.copy(record)
    assign_fields(candidate, base)
    links = {name: base[name] for name in LINK_FIELDS if name in base}
    content = _validated(actor, candidate, data, base_links=links)
    changed = _changed(base, content)
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
    content_type = ContentType.objects.get_for_model(type(record))
    last = (
        Revision.objects.unscoped("numbering the revisions of a record already accessed")
        .filter(organization_id=record.organization_id, content_type=content_type)
        .filter(object_id=record.pk)
        .aggregate(last=models.Max("number"))["last"]
    )
    return Revision.objects.create(
        organization_id=record.organization_id,
        content_type=content_type,
        object_id=record.pk,
        number=(last or 0) + 1,
        content=content,
        base_version=record.version,
        state=RevisionState.DRAFT,
        created_by=actor.user,
    )


def delete_record(actor: Actor, record: Record) -> None:
    """Delete a draft. Anything that reached review stays, for the audit trail; archive it."""
    with transaction.atomic():
        locked = _lock_for_change(actor, record, "delete", None)
        if locked.workflow_state != WorkflowState.DRAFT:
            raise RecordLocked(
                f"Only drafts can be deleted; this record is {locked.get_workflow_state_display()}."
            )
        audit.record(actor, "delete", locked, from_state=locked.workflow_state)
        linking = records_linking_to(locked)
        locked.delete()
        # Their links to the draft went with it (cascade), so their scores may drop.
        for source in linking:
            refresh_completeness(source)
            source.save(update_fields=["completeness", "updated_at"])


def reconfirm(actor: Actor, record: Record) -> Record:
    """The owner confirms a published record is still current (SPEC 5 "Freshness")."""
    from . import workflow  # workflow builds on this module

    return workflow.perform(actor, type(record), record.identifier, "reconfirm")


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


def apply_revision(record: Record, revision: Revision) -> list[str]:
    """Replace the record's live content with the revision's (called by workflow.approve)."""
    before = content_of(record)
    assign_fields(record, revision.content)
    record.full_clean()
    # The reviewer writes the owner's links, to records the owner chose and the reviewer may not
    # read (its drafts): row-level security lets the system context do it (registry.rls).
    with rls.system_context("approval writes the links its owner validated"):
        write_links(record, revision.content)
    refresh_completeness(record, revision.content)
    return _changed(before, revision.content)


# --- Participants ----------------------------------------------------------------------------


def add_participant(
    actor: Actor, project: Project, organization: Organization, role: str
) -> Participation:
    """Name an organization as a participant. Another organization must confirm it."""
    if role not in ParticipantRole.values:
        raise ValidationError(
            {"role": [f"{role!r} is not a participant role; use {', '.join(ParticipantRole)}."]}
        )
    with transaction.atomic():
        locked = _lock_for_change(actor, project, "manage_participants", None)
        if not organization.is_active:
            raise ValidationError({"organization": ["This organization is not active."]})
        own = organization.pk == locked.organization_id
        earlier = visible(actor, Participation).filter(
            project=locked, participant=organization, role=role
        )
        if earlier.exclude(status=ParticipationStatus.DECLINED).exists():
            raise ValidationError(
                {"organization": [f"{organization.slug} already takes part as {role}."]}
            )
        # A declined request may be made again; the audit log keeps the earlier answer.
        earlier.delete()
        participation = Participation.objects.create(
            organization_id=locked.organization_id,
            project=locked,
            participant=organization,
            role=role,
            status=ParticipationStatus.CONFIRMED if own else ParticipationStatus.PENDING,
            requested_by=actor.user,
            responded_by=actor.user if own else None,
            responded_at=timezone.now() if own else None,
            **visibility_copies.participation_copies(locked),
        )
        visibility_copies.refresh_shared_with(locked)
        audit.record(
            actor,
            "add_participant",
            locked,
            comment=f"{organization.slug} as {role}"
            + ("" if own else " (awaiting its confirmation)"),
        )
        if not own:
            notifications.participation_requested(participation)
    return participation


def respond_participation(
    actor: Actor, participation: Participation, accept: bool
) -> Participation:
    """The participant organization's admin confirms or declines taking part."""
    with transaction.atomic():
        locked = visible(actor, Participation).select_for_update().filter(pk=participation.pk)
        locked = locked.first()
        if locked is None:
            raise NotVisible()
        require(actor, "respond", locked)
        if locked.status != ParticipationStatus.PENDING:
            raise InvalidTransition(
                f"This participation was already {locked.get_status_display()}."
            )
        locked.status = ParticipationStatus.CONFIRMED if accept else ParticipationStatus.DECLINED
        locked.responded_by = actor.user
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "responded_by", "responded_at"])
        project = Project.objects.unscoped("the project of a visible participation").get(
            pk=locked.project_id
        )
        audit.record(
            actor,
            "confirm_participation" if accept else "decline_participation",
            project,
            comment=f"{locked.participant.slug} as {locked.role}",
            acting_for=locked.participant_id,
        )
        notifications.participation_answered(locked, project)
    return locked


def participation_inbox(actor: Actor):
    """Participation requests waiting for the actor's answer, as an admin of the participant."""
    admin_of = [org_id for org_id, role in actor.roles.items() if role == "admin"]
    return (
        visible(actor, Participation)
        .filter(participant_id__in=admin_of, status=ParticipationStatus.PENDING)
        .select_related("project", "participant")
        .order_by("created_at", "pk")
    )
