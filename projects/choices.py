"""The vocabularies of the records (SPEC 4 and 5): every value a field or an action may take and
the word people read for it, written once, in the manner of NetBox's `ChoiceSet`
(`dcim/choices.py`).

Each vocabulary is a Django `TextChoices`: the value is the code the database, the API, the
exports and the audit log keep (never translated); the label is the reader's word, translated
(`gettext_lazy`) in sentence case ("Tourism train"). So the model fields, the forms built from
them, the pages, the diff and the API schema's enum descriptions read the same word, and
`get_<field>_display()` gives it in the reader's language. A word that reads differently by
context ("Other", "Closed") carries a `pgettext` context. docs/glossary.md lists the workflow's
and the roles' words in the three languages; tests/projects/domain/test_vocabulary.py checks
that every value has its label in all three and that the catalogues follow the glossary.

Besides the vocabularies: the groups of states the rules refer to.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WorkflowState(models.TextChoices):
    """Where a record is in the approval workflow (SPEC 5)."""

    DRAFT = "draft", _("Draft")
    PENDING_SIGNOFF = "pending_signoff", _("Awaiting sign-off")
    SUBMITTED = "submitted", _("Submitted for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    ARCHIVED = "archived", _("Archived")


# Seen by everyone (their published content).
PUBLIC_STATES = (WorkflowState.PUBLISHED, WorkflowState.ARCHIVED)

# Seen by reviewers: the record has reached the platform (SPEC 3).
PLATFORM_STATES = (
    WorkflowState.SUBMITTED,
    WorkflowState.CHANGES_REQUESTED,
    WorkflowState.REJECTED,
    WorkflowState.PUBLISHED,
    WorkflowState.ARCHIVED,
)

# Edited in place; any other state is locked or goes through a revision.
EDITABLE_STATES = (WorkflowState.DRAFT, WorkflowState.CHANGES_REQUESTED)

# Under review: locked until withdrawn or decided.
UNDER_REVIEW_STATES = (WorkflowState.PENDING_SIGNOFF, WorkflowState.SUBMITTED)


class RevisionState(models.TextChoices):
    """A pending revision walks the same states as a record, up to `published` (applied)."""

    DRAFT = "draft", _("Draft")
    PENDING_SIGNOFF = "pending_signoff", _("Awaiting sign-off")
    SUBMITTED = "submitted", _("Submitted for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    DISCARDED = "discarded", _("Discarded")


OPEN_REVISION_STATES = (
    RevisionState.DRAFT,
    RevisionState.PENDING_SIGNOFF,
    RevisionState.SUBMITTED,
    RevisionState.CHANGES_REQUESTED,
    RevisionState.REJECTED,
)

# Revision states in which the proposed content may still be edited.
EDITABLE_REVISION_STATES = (RevisionState.DRAFT, RevisionState.CHANGES_REQUESTED)

# Revisions that have reached the platform: their reviewers see them (SPEC 3); a draft or one
# awaiting its organization's sign-off never leaves the organization.
PLATFORM_REVISION_STATES = (
    RevisionState.SUBMITTED,
    RevisionState.CHANGES_REQUESTED,
    RevisionState.REJECTED,
    RevisionState.PUBLISHED,
)


class WorkflowAction(models.TextChoices):
    """The actions of SPEC 5 (projects.domain.workflow.TRANSITIONS), as their buttons say."""

    SUBMIT = "submit", _("Submit for review")
    SIGNOFF = "signoff", _("Sign off")
    WITHDRAW = "withdraw", _("Withdraw")
    APPROVE = "approve", _("Approve and publish")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    REJECT = "reject", _("Reject")
    REOPEN = "reopen", _("Reopen")
    ARCHIVE = "archive", _("Archive")
    RECONFIRM = "reconfirm", _("Confirm still current")


class AuditEvent(models.TextChoices):
    """What a record's history says happened: the `action` of each audit entry."""

    CREATE = "create", _("Created")
    UPDATE = "update", _("Edited")
    REVISE = "revise", _("Edited (pending revision)")
    DISCARD_REVISION = "discard_revision", _("Pending revision discarded")
    DELETE = "delete", _("Deleted")
    SUBMIT = "submit", _("Submitted")
    SIGNOFF = "signoff", _("Signed off")
    WITHDRAW = "withdraw", _("Withdrawn")
    APPROVE = "approve", _("Approved and published")
    REQUEST_CHANGES = "request_changes", _("Changes requested")
    REJECT = "reject", _("Rejected")
    REOPEN = "reopen", _("Reopened")
    ARCHIVE = "archive", _("Archived")
    RECONFIRM = "reconfirm", _("Confirmed still current")
    ADD_PARTICIPANT = "add_participant", _("Participant added")
    CONFIRM_PARTICIPATION = "confirm_participation", _("Participation confirmed")
    DECLINE_PARTICIPATION = "decline_participation", _("Participation declined")
    REMINDER = "reminder", _("Freshness reminder sent")
    REFUSED = "refused", _("Refused attempt")
    IMPORT = "import", _("Imported")
    MERGE_ORGANIZATION = "merge_organization", _("Organizations merged")


# Audit actions whose comment the registry writes itself, in English (who was named as what,
# why an action was refused, which reminder went out); people write the comments of the others.
SYSTEM_COMMENT_ACTIONS = frozenset(
    event.value
    for event in (
        AuditEvent.ADD_PARTICIPANT,
        AuditEvent.CONFIRM_PARTICIPATION,
        AuditEvent.DECLINE_PARTICIPATION,
        AuditEvent.REFUSED,
        AuditEvent.REMINDER,
    )
)


class RecordType(models.TextChoices):
    """The three kinds of record (SPEC 4), by the word of their URLs and API paths."""

    PROJECTS = "projects", _("Flagship project")
    ZONES = "zones", _("Cooperation zone")
    CONTACTS = "contacts", _("Contact")


# The headings of the lists of each record type.
RECORD_TYPE_PLURALS = {
    RecordType.PROJECTS: _("Flagship projects"),
    RecordType.ZONES: _("Cooperation zones"),
    RecordType.CONTACTS: _("Contacts"),
}


class ProjectCategory(models.TextChoices):
    TOURISM_TRAIN = "tourism_train", _("Tourism train")
    TOURISM_ROUTE = "tourism_route", _("Tourism route")
    CROSS_BORDER_DRIVING = "cross_border_driving", _("Cross-border self-driving")
    HERITAGE_SITE = "heritage_site", _("Heritage site")
    EVENT_FESTIVAL = "event_festival", _("Event or festival")
    VISA_FACILITATION = "visa_facilitation", _("Visa facilitation")
    AIR_ROUTE = "air_route", _("Air route")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    INSURANCE_PRODUCT = "insurance_product", _("Insurance product")
    BRAND_PROMOTION = "brand_promotion", _("Brand promotion")
    OTHER = "other", pgettext_lazy("project category", "Other")


class ProjectLifecycle(models.TextChoices):
    """IATI ActivityStatus, separate from the editorial workflow state."""

    PIPELINE = "pipeline", _("Pipeline")
    IMPLEMENTATION = "implementation", _("Implementation")
    FINALISATION = "finalisation", _("Finalisation")
    CLOSED = "closed", pgettext_lazy("project status", "Closed")
    CANCELLED = "cancelled", _("Cancelled")
    SUSPENDED = "suspended", pgettext_lazy("project status", "Suspended")


class ZoneKind(models.TextChoices):
    CROSS_BORDER_TOURISM_ZONE = (
        "cross_border_tourism_zone",
        _("Cross-border tourism cooperation zone"),
    )
    BORDER_TOURISM_PILOT_AREA = "border_tourism_pilot_area", _("Border tourism pilot area")
    OTHER = "other", pgettext_lazy("zone kind", "Other")


class ZoneLifecycle(models.TextChoices):
    """A zone's own lifecycle: its words differ from a project's (a zone is planned, not in the
    pipeline), and where they are alike they agree with a zone in Russian ("Закрыта")."""

    PLANNED = "planned", _("Planned")
    OPERATIONAL = "operational", _("Operational")
    SUSPENDED = "suspended", pgettext_lazy("zone status", "Suspended")
    CLOSED = "closed", pgettext_lazy("zone status", "Closed")


class ContactKind(models.TextChoices):
    INSURANCE_CLAIMS = "insurance_claims", _("Insurance claims")
    DISPUTE_RESOLUTION = "dispute_resolution", _("Dispute resolution")
    SAFETY_ASSISTANCE = "safety_assistance", _("Safety assistance")
    CONSULAR = "consular", _("Consular assistance")
    TOURIST_HOTLINE = "tourist_hotline", _("Tourist hotline")
    OTHER = "other", pgettext_lazy("contact kind", "Other")


class ParticipantRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    PARTNER = "partner", pgettext_lazy("participant role", "Partner")
    FUNDER = "funder", _("Funder")
    OPERATOR = "operator", _("Operator")
    INSURER = "insurer", pgettext_lazy("participant role", "Insurer")


class ParticipationStatus(models.TextChoices):
    PENDING = "pending", _("Unconfirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", pgettext_lazy("participation", "Declined")


class RelationKind(models.TextChoices):
    PARENT = "parent", _("Parent project")
    CHILD = "child", _("Sub-project")
    SIBLING = "sibling", _("Sister project")


class Freshness(models.TextChoices):
    """How recently the owner confirmed a published record is still current (SPEC 5)."""

    CURRENT = "current", _("Current")
    STALE = "stale", _("Stale")
    INACTIVE = "inactive", pgettext_lazy("freshness", "Inactive")


class PolicyTopic(models.TextChoices):
    """The topics of a zone's `policies` (a text per topic)."""

    VISA_FACILITATION = "visa_facilitation", _("Visa facilitation")
    CROSS_BORDER_INVESTMENT = "cross_border_investment", _("Cross-border investment")
    INSURANCE = "insurance", _("Insurance")
    OTHER = "other", pgettext_lazy("policy topic", "Other")


class DocumentCategory(models.TextChoices):
    """The categories of a project's `documents`."""

    AGREEMENT = "agreement", _("Agreement")
    REPORT = "report", _("Report")
    BROCHURE = "brochure", _("Brochure")
    MAP = "map", pgettext_lazy("document category", "Map")
    REGULATION = "regulation", _("Regulation")
    OTHER = "other", pgettext_lazy("document category", "Other")


# Vocabularies of values that are not a model field of their own: the record's computed
# freshness, and the keys inside the JSON fields `policies` and `documents[].category`.
COMPUTED_VOCABULARIES = {"freshness": Freshness}


def label(vocabulary, value) -> str:
    """The reader's word for `value` of `vocabulary` (a TextChoices); the value itself when it
    is not one of its values (a value from before the list changed), "" for no value."""
    if value in (None, ""):
        return ""
    try:
        return str(vocabulary(value).label)
    except (ValueError, TypeError):
        return str(value)


def vocabulary_of(model, field: str):
    """The vocabulary of a record type's field (a TextChoices), or None for a free field."""
    if field in COMPUTED_VOCABULARIES:
        return COMPUTED_VOCABULARIES[field]
    try:
        model_field = model._meta.get_field(field)
    except Exception:  # FieldDoesNotExist; this module sits below the models
        return None
    values = tuple(value for value, _label in getattr(model_field, "choices", None) or ())
    return VOCABULARIES_BY_VALUES.get(values)


def choices_of(model, field: str) -> list[tuple[str, str]]:
    """(value, label) pairs of a record type's field, in the vocabulary's order ([] if free)."""
    vocabulary = vocabulary_of(model, field)
    return [] if vocabulary is None else [(v, str(text)) for v, text in vocabulary.choices]


def field_value_label(model, field: str, value) -> str:
    """The reader's word for a value of a record type's choice field (as is when free)."""
    vocabulary = vocabulary_of(model, field)
    return label(vocabulary, value) if vocabulary is not None else str(value or "")


class WebhookEvent(models.TextChoices):
    """What a partner's webhook subscription may ask to hear of (issue 19): a record becoming
    public, its public content changing, its archiving."""

    PUBLISHED = "published", pgettext_lazy("webhook event", "Published")
    UPDATED = "updated", pgettext_lazy("webhook event", "Updated")
    ARCHIVED = "archived", pgettext_lazy("webhook event", "Archived")


class WebhookState(models.TextChoices):
    """A subscription is delivered to while active; paused after repeated failures."""

    ACTIVE = "active", pgettext_lazy("webhook", "Active")
    PAUSED = "paused", pgettext_lazy("webhook", "Paused")


class DeliveryState(models.TextChoices):
    """One delivery of one event to one subscription."""

    PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
    SUCCEEDED = "succeeded", pgettext_lazy("webhook delivery", "Delivered")
    FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")


# The vocabularies of the models' fields, found again from a field's values (Django keeps the
# (value, label) pairs, not the class; the values tell them apart).
RECORD_VOCABULARIES = (
    WorkflowState,
    ProjectCategory,
    ProjectLifecycle,
    ZoneKind,
    ZoneLifecycle,
    ContactKind,
    ParticipantRole,
    ParticipationStatus,
    RelationKind,
    RevisionState,
)
VOCABULARIES_BY_VALUES = {tuple(choice.values): choice for choice in RECORD_VOCABULARIES}
assert len(VOCABULARIES_BY_VALUES) == len(RECORD_VOCABULARIES), "two vocabularies share values"
