"""The vocabularies of the records (SPEC 4 and 5): every choice list, and the groups of states the
rules refer to. One place for each, in the manner of NetBox's `choices.py`.
"""

from django.db import models


class WorkflowState(models.TextChoices):
    DRAFT = "draft", "draft"
    PENDING_SIGNOFF = "pending_signoff", "pending sign-off"
    SUBMITTED = "submitted", "submitted"
    CHANGES_REQUESTED = "changes_requested", "changes requested"
    PUBLISHED = "published", "published"
    REJECTED = "rejected", "rejected"
    ARCHIVED = "archived", "archived"


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


class ProjectCategory(models.TextChoices):
    TOURISM_TRAIN = "tourism_train", "tourism train"
    TOURISM_ROUTE = "tourism_route", "tourism route"
    CROSS_BORDER_DRIVING = "cross_border_driving", "cross-border driving"
    HERITAGE_SITE = "heritage_site", "heritage site"
    EVENT_FESTIVAL = "event_festival", "event or festival"
    VISA_FACILITATION = "visa_facilitation", "visa facilitation"
    AIR_ROUTE = "air_route", "air route"
    INFRASTRUCTURE = "infrastructure", "infrastructure"
    INSURANCE_PRODUCT = "insurance_product", "insurance product"
    BRAND_PROMOTION = "brand_promotion", "brand promotion"
    OTHER = "other", "other"


class ProjectLifecycle(models.TextChoices):
    """IATI ActivityStatus, separate from the editorial workflow state."""

    PIPELINE = "pipeline", "pipeline"
    IMPLEMENTATION = "implementation", "implementation"
    FINALISATION = "finalisation", "finalisation"
    CLOSED = "closed", "closed"
    CANCELLED = "cancelled", "cancelled"
    SUSPENDED = "suspended", "suspended"


class ZoneKind(models.TextChoices):
    CROSS_BORDER_TOURISM_ZONE = "cross_border_tourism_zone", "cross-border tourism zone"
    BORDER_TOURISM_PILOT_AREA = "border_tourism_pilot_area", "border tourism pilot area"
    OTHER = "other", "other"


class ZoneLifecycle(models.TextChoices):
    PLANNED = "planned", "planned"
    OPERATIONAL = "operational", "operational"
    SUSPENDED = "suspended", "suspended"
    CLOSED = "closed", "closed"


class ContactKind(models.TextChoices):
    INSURANCE_CLAIMS = "insurance_claims", "insurance claims"
    DISPUTE_RESOLUTION = "dispute_resolution", "dispute resolution"
    SAFETY_ASSISTANCE = "safety_assistance", "safety assistance"
    CONSULAR = "consular", "consular"
    TOURIST_HOTLINE = "tourist_hotline", "tourist hotline"
    OTHER = "other", "other"


class ParticipantRole(models.TextChoices):
    LEAD = "lead", "lead"
    PARTNER = "partner", "partner"
    FUNDER = "funder", "funder"
    OPERATOR = "operator", "operator"
    INSURER = "insurer", "insurer"


class ParticipationStatus(models.TextChoices):
    PENDING = "pending", "unconfirmed"
    CONFIRMED = "confirmed", "confirmed"
    DECLINED = "declined", "declined"


class RelationKind(models.TextChoices):
    PARENT = "parent", "parent"
    CHILD = "child", "child"
    SIBLING = "sibling", "sibling"


class RevisionState(models.TextChoices):
    """A pending revision walks the same states as a record, up to `published` (applied)."""

    DRAFT = "draft", "draft"
    PENDING_SIGNOFF = "pending_signoff", "pending sign-off"
    SUBMITTED = "submitted", "submitted"
    CHANGES_REQUESTED = "changes_requested", "changes requested"
    PUBLISHED = "published", "approved and published"
    REJECTED = "rejected", "rejected"
    DISCARDED = "discarded", "discarded"


OPEN_REVISION_STATES = (
    RevisionState.DRAFT,
    RevisionState.PENDING_SIGNOFF,
    RevisionState.SUBMITTED,
    RevisionState.CHANGES_REQUESTED,
    RevisionState.REJECTED,
)


# Revisions that have reached the platform: their reviewers see them (SPEC 3); a draft or one
# awaiting its organization's sign-off never leaves the organization.
PLATFORM_REVISION_STATES = (
    RevisionState.SUBMITTED,
    RevisionState.CHANGES_REQUESTED,
    RevisionState.REJECTED,
    RevisionState.PUBLISHED,
)


class Freshness(models.TextChoices):
    """How recently the owner confirmed a published record is still current (SPEC 5)."""

    CURRENT = "current", "current"
    STALE = "stale", "stale"
    INACTIVE = "inactive", "inactive"


# Audit actions whose comment the registry writes itself, in English (who was named as what,
# why an action was refused, which reminder went out); people write the comments of the others.
SYSTEM_COMMENT_ACTIONS = frozenset(
    {"add_participant", "confirm_participation", "decline_participation", "refused", "reminder"}
)
