"""The registry records (SPEC 4): flagship projects, cooperation zones and contacts.

All three share `Record`: identifier, organization, countries, tags, the editorial workflow state
and version. The columns of a record hold its *live* content: for a published record that is the
published content, and edits to it wait in a pending `Revision` until approved (SPEC 5).
Only projects/workflow.py changes `workflow_state`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from projects import validation
from projects.choices import (
    OPEN_REVISION_STATES,
    PUBLIC_STATES,
    SYSTEM_COMMENT_ACTIONS,
    ContactKind,
    DeliveryState,
    ParticipantRole,
    ParticipationStatus,
    ProjectCategory,
    ProjectLifecycle,
    RelationKind,
    RevisionState,
    WebhookEvent,
    WebhookState,
    WorkflowState,
    ZoneKind,
    ZoneLifecycle,
)
from registry.models import TenantOwned
from registry.multilingual import pick, validate_multilingual


# Copies that the database's row-level security policies read (issue 10): a policy decides a row
# from its own columns, so a row whose visibility depends on a record carries that record's
# organization and state. projects/visibility_copies.py is the one place that writes them; the
# ORM's boundary (registry.tenancy) never reads them.
def state_copy():
    return models.CharField(max_length=20, blank=True, default="", editable=False)


def organization_copy():
    return models.ForeignKey(
        "accounts.Organization",
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )


class PublicCopy:
    """A field `public_X` that copies `X` while the record's published content may move.

    `public_version` / `public_updated_at` are what anyone outside the owner organization sees
    of a published or archived record (issue 10). They follow `version` / `updated_at` on
    creation, while the record is not public, and when the workflow changes the published
    content (it sets `record.publishing`, projects.domain.public_metadata); private activity on a
    public record (a hidden revision opened, edited, submitted or withdrawn) leaves them as they
    were. `updated_at` is declared first, so its auto_now value is set when this field copies it.
    """

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # Migrations see a plain field: the copying is Python-side only.
        path = f"django.db.models.{type(self).__mro__[2].__name__}"
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        if (
            add
            or model_instance.workflow_state not in PUBLIC_STATES
            or getattr(model_instance, "publishing", False)
        ):
            follows = self.attname.removeprefix("public_")
            setattr(model_instance, self.attname, getattr(model_instance, follows))
        return getattr(model_instance, self.attname)


class PublicVersionField(PublicCopy, models.PositiveIntegerField):
    pass


class PublicTimeField(PublicCopy, models.DateTimeField):
    pass


class Record(TenantOwned):
    """What projects, zones and contacts share: identity, ownership, workflow, freshness."""

    # Set by subclasses: the URL / API name ("projects") and the singular ("project").
    record_type: str = ""
    # The workflow state as it was read from the database (None for a new record): which public
    # change a save is, for the partner webhooks (projects.domain.webhooks.event_of).
    loaded_state: str | None = None

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_state = instance.__dict__.get("workflow_state")
        return instance

    identifier = models.CharField(max_length=120, validators=[validation.validate_identifier])
    countries = models.JSONField(default=list, validators=[validation.validate_country_list])
    tags = models.JSONField(default=list, blank=True, validators=[validation.validate_tags])
    workflow_state = models.CharField(
        max_length=20, choices=WorkflowState.choices, default=WorkflowState.DRAFT, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Share (0-100) of the optional fields filled in the live content, kept by the services
    # (projects.domain.content.refresh_completeness) so that lists can filter on it in SQL.
    completeness = models.PositiveSmallIntegerField(default=0, editable=False)
    # What viewers outside the owner organization see as `version` and `updated_at` (issue 10):
    # they move only when the published content does (PublicCopy).
    public_version = PublicVersionField(default=1, editable=False)
    public_updated_at = PublicTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The people of the current review round, for the four-eyes rules.
    submitted_by = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    signed_off_by = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta(TenantOwned.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.identifier

    @property
    def display_title(self) -> str:
        return pick(getattr(self, self.title_field, {})) or self.identifier

    title_field = "title"

    @property
    def ref(self) -> str:
        prefix = self.organization.identifier_prefix
        if self.identifier.upper().startswith(prefix.upper() + "-"):
            return self.identifier[len(prefix) + 1 :]
        # Moved here by a merge: the identifier keeps the merged organization's prefix.
        return self.organization.ref_of(self.identifier)


def record_meta(label: str):
    """The Meta of a concrete record: unique identifier per organization; indexes for the
    public sort orders (identifier, updated_at as the public sees it, created_at; identifier
    breaks ties) and for the organization's own views.

    Identifiers are globally unique because organization prefixes never extend one another
    (accounts.domain.services enforces it), so (organization, identifier) unique is enough.
    """

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "identifier"], name=f"{label}_identifier_unique"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name=f"{label}_version_positive"),
            models.CheckConstraint(
                condition=Q(completeness__lte=100), name=f"{label}_completeness_percent"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "workflow_state"], name=f"{label}_org_state"),
            models.Index(fields=["organization", "updated_at"], name=f"{label}_org_updated"),
            # The public sort orders (SPEC 9: only unique constraints must name the
            # organization), so that a page is an index range scan, not a sort of the table.
            models.Index(fields=["identifier"], name=f"{label}_identifier"),
            models.Index(fields=["public_updated_at", "identifier"], name=f"{label}_pub_updated"),
            models.Index(fields=["created_at", "identifier"], name=f"{label}_created"),
            # Freshness in list ETags: the latest confirmation past each threshold.
            models.Index(
                fields=["confirmed_at"],
                condition=Q(workflow_state="published"),
                name=f"{label}_confirmed",
            ),
        ]

    return Meta


class Zone(Record):
    record_type = "zones"
    title_field = "name"

    name = models.JSONField(validators=[validate_multilingual])
    description = models.JSONField(
        default=dict, blank=True, validators=[validation.validate_optional_multilingual]
    )
    kind = models.CharField(max_length=40, choices=ZoneKind.choices)
    geometry = models.JSONField(null=True, blank=True, validators=[validation.validate_geometry])
    border_crossings = models.JSONField(
        default=list, blank=True, validators=[validation.validate_string_list]
    )
    established_on = models.DateField(null=True, blank=True)
    governing_body = models.CharField(max_length=300, blank=True)
    policies = models.JSONField(default=dict, blank=True, validators=[validation.validate_policies])
    lifecycle_status = models.CharField(
        max_length=20, choices=ZoneLifecycle.choices, default=ZoneLifecycle.PLANNED
    )

    Meta = record_meta("zone")


class Project(Record):
    record_type = "projects"

    title = models.JSONField(validators=[validate_multilingual])
    summary = models.JSONField(
        default=dict, blank=True, validators=[validation.validate_optional_multilingual]
    )
    description = models.JSONField(
        default=dict, blank=True, validators=[validation.validate_optional_multilingual]
    )
    category = models.CharField(max_length=30, choices=ProjectCategory.choices)
    lifecycle_status = models.CharField(
        max_length=20, choices=ProjectLifecycle.choices, default=ProjectLifecycle.PIPELINE
    )
    planned_start = models.DateField(null=True, blank=True)
    actual_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    locations = models.JSONField(
        default=list, blank=True, validators=[validation.validate_locations]
    )
    zones = models.ManyToManyField(Zone, blank=True, related_name="projects", through="ProjectZone")
    budget_amount = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    budget_currency = models.CharField(
        max_length=3, blank=True, validators=[validation.validate_currency]
    )
    website = models.URLField(blank=True)
    documents = models.JSONField(
        default=list, blank=True, validators=[validation.validate_documents]
    )
    expected_outcomes = models.JSONField(
        default=dict, blank=True, validators=[validation.validate_optional_multilingual]
    )
    # Row-level security copy: the ids (as strings) of the other organizations named as
    # participants, whose members may read the project's row in any state (their inbox).
    shared_with = models.JSONField(default=list, blank=True, editable=False)

    Meta = record_meta("project")


class Contact(Record):
    record_type = "contacts"
    title_field = "name"

    kind = models.CharField(max_length=30, choices=ContactKind.choices)
    name = models.JSONField(validators=[validate_multilingual])
    provider = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[validation.validate_phone])
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    languages = models.JSONField(
        default=list, blank=True, validators=[validation.validate_languages]
    )
    hours = models.CharField(max_length=200, blank=True)
    countries_covered = models.JSONField(
        default=list, blank=True, validators=[validation.validate_country_list]
    )
    zones = models.ManyToManyField(Zone, blank=True, related_name="contacts", through="ContactZone")
    projects = models.ManyToManyField(
        Project, blank=True, related_name="contacts", through="ContactProject"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    Meta = record_meta("contact")


RECORD_MODELS = (Project, Zone, Contact)
# The one map from a record type's URL word ("projects", "zones", "contacts") to its model.
RECORD_MODELS_BY_TYPE: dict[str, type[Record]] = {
    model.record_type: model for model in RECORD_MODELS
}


def link_meta(label: str, source: str, target: str):
    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", f"{source}_id", f"{target}_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", source, target], name=f"{label}_unique")
        ]
        # Prefetching a page's links, and cascades, by either end.
        indexes = [
            models.Index(fields=[source], name=f"{label}_{source}"),
            models.Index(fields=[target], name=f"{label}_{target}"),
        ]

    return Meta


class ProjectZone(TenantOwned):
    """A project's link to a zone; `organization` is the project's owner."""

    project = models.ForeignKey(
        db_index=False, to=Project, on_delete=models.CASCADE, related_name="+"
    )
    zone = models.ForeignKey(db_index=False, to=Zone, on_delete=models.CASCADE, related_name="+")
    # Row-level security copies (projects/visibility_copies.py).
    project_state = state_copy()
    zone_organization = organization_copy()
    zone_state = state_copy()
    Meta = link_meta("project_zone", "project", "zone")


class ContactZone(TenantOwned):
    """A contact's link to a zone; `organization` is the contact's owner."""

    contact = models.ForeignKey(
        db_index=False, to=Contact, on_delete=models.CASCADE, related_name="+"
    )
    zone = models.ForeignKey(db_index=False, to=Zone, on_delete=models.CASCADE, related_name="+")
    # Row-level security copies (projects/visibility_copies.py).
    contact_state = state_copy()
    zone_organization = organization_copy()
    zone_state = state_copy()
    Meta = link_meta("contact_zone", "contact", "zone")


class ContactProject(TenantOwned):
    """A contact's link to a project; `organization` is the contact's owner."""

    contact = models.ForeignKey(
        db_index=False, to=Contact, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        db_index=False, to=Project, on_delete=models.CASCADE, related_name="+"
    )
    # Row-level security copies (projects/visibility_copies.py).
    contact_state = state_copy()
    project_organization = organization_copy()
    project_state = state_copy()
    Meta = link_meta("contact_project", "contact", "project")


class Participation(TenantOwned):
    """An organization taking part in a project; `organization` is the project's owner.

    The owner's own participation is confirmed at once; another organization's waits for that
    organization's admins (their inbox) and shows as unconfirmed until then.
    """

    project = models.ForeignKey(
        db_index=False, to=Project, on_delete=models.CASCADE, related_name="participations"
    )
    participant = models.ForeignKey(
        db_index=False, to="accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)
    status = models.CharField(
        max_length=10, choices=ParticipationStatus.choices, default=ParticipationStatus.PENDING
    )
    requested_by = models.ForeignKey(
        db_index=False, to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    responded_by = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Row-level security copy of the project's workflow state (projects/visibility_copies.py).
    project_state = state_copy()

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "project_id", "participant_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "project", "participant", "role"],
                name="participation_unique_role",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project"], name="participation_org_project"),
            models.Index(fields=["project"], name="participation_project"),
            models.Index(fields=["participant"], name="participation_participant"),
        ]

    @property
    def is_confirmed(self) -> bool:
        return self.status == ParticipationStatus.CONFIRMED


class ProjectRelation(TenantOwned):
    """`project` (owned by `organization`) names `related` as its parent, child or sibling."""

    project = models.ForeignKey(
        db_index=False, to=Project, on_delete=models.CASCADE, related_name="relations"
    )
    related = models.ForeignKey(
        db_index=False, to=Project, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=RelationKind.choices)
    # Row-level security copies (projects/visibility_copies.py).
    project_state = state_copy()
    related_organization = organization_copy()
    related_state = state_copy()

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "project", "related"], name="project_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(project=models.F("related")), name="project_relation_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project"], name="relation_org_project"),
            models.Index(fields=["project"], name="relation_project"),
            models.Index(fields=["related"], name="relation_related"),
        ]


class Revision(TenantOwned):
    """Proposed content for a published record, kept apart until it is approved (SPEC 5)."""

    content_type = models.ForeignKey(
        db_index=False, to=ContentType, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    base_version = models.PositiveIntegerField()
    state = models.CharField(
        max_length=20, choices=RevisionState.choices, default=RevisionState.DRAFT
    )
    created_by = models.ForeignKey(
        db_index=False, to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    signed_off_by = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "content_type_id", "object_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "content_type", "object_id", "number"],
                name="revision_number_unique",
            ),
            # At most one open revision per record.
            models.UniqueConstraint(
                fields=["organization", "content_type", "object_id"],
                condition=Q(state__in=OPEN_REVISION_STATES),
                name="revision_one_open_per_record",
            ),
        ]
        # A page's open revisions, found by record.
        indexes = [models.Index(fields=["content_type", "object_id"], name="revision_record")]


class AuditEntry(TenantOwned):
    """One workflow action or change. Append-only: database triggers refuse UPDATE and DELETE."""

    # The application's database role may only read and add rows (setup_database_roles).
    append_only = True

    content_type = models.ForeignKey(
        db_index=False, to=ContentType, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    identifier = models.CharField(max_length=120)
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        db_index=False,
        to=settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    actor_organization = models.ForeignKey(
        db_index=False,
        to="accounts.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    revision = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField()
    changed_fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "id"]
        indexes = [
            models.Index(
                fields=["organization", "content_type", "object_id", "id"],
                name="audit_org_record",
            ),
            # A record's history, by record.
            models.Index(fields=["content_type", "object_id", "id"], name="audit_record"),
        ]
        verbose_name_plural = "audit entries"

    @property
    def comment_is_the_systems(self) -> bool:
        """The comment was written by the registry (in English), not by a person."""
        return self.action in SYSTEM_COMMENT_ACTIONS


class ChangeCounter(models.Model):
    """How many times what a class of viewers sees has changed (list ETags without a scan).

    One row per scope: `public` moves when published content changes (anyone's view), `org:<id>`
    when anything of that organization changes (its members' view).
    projects/domain/change_counters.py is the one writer, in the same transaction as the change;
    no organization column (a scope is not a tenant's row: it holds a number, never content).
    """

    scope = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.scope}={self.value}"


class WebhookSubscription(TenantOwned):
    """A partner's subscription to public changes of records (issue 19), owned by the
    organization whose admin made it. The secret signs every delivery (HMAC-SHA256); it is shown
    once, when the subscription is made, and kept to sign with."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    record_types = models.JSONField(default=list)
    secret = models.CharField(max_length=100)
    state = models.CharField(
        max_length=10, choices=WebhookState.choices, default=WebhookState.ACTIVE
    )
    # Failed attempts in a row; reset by a delivery that succeeds.
    consecutive_failures = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state"], name="projects_webhook_state")]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.url}"


class WebhookDelivery(TenantOwned):
    """One event sent to one subscription, with every attempt's outcome: the log a partner
    reads, and what a replay sends again (the same event id and body)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event_id = models.UUIDField()
    event = models.CharField(max_length=20, choices=WebhookEvent.choices)
    record_type = models.CharField(max_length=20)
    identifier = models.CharField(max_length=120)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="projects_delivery_sub")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "subscription", "event_id"],
                name="projects_delivery_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"delivery {self.event_id} ({self.event} {self.identifier})"


def document_storage():
    """The storage of record documents (issue 18): `STORAGES["documents"]`, the file system
    under DOCUMENT_STORAGE_ROOT unless configured otherwise. A callable, so that migrations do
    not carry the location and tests may point it elsewhere."""
    from django.core.files.storage import storages

    return storages["documents"]


def document_path(instance, filename: str) -> str:
    """Where a document is stored: by organization, a random name and the extension read from
    its content (`filename` is the service's "document.<extension>"); the name people gave it
    is kept as the title, never as a path."""
    import uuid

    extension = filename.rsplit(".", 1)[-1]
    return f"{instance.organization_id}/{uuid.uuid4().hex}.{extension}"


class RecordDocument(TenantOwned):
    """A file attached to a record (issue 18): a PDF, an Office document or an image.

    Seen by whoever sees the record (a published record's files are public, a draft's are its
    organization's); added and removed by the owner's editors and admins. `record_state` copies
    the record's workflow state for the row-level security policy (projects/domain/rls_copies.py).
    """

    content_type = models.ForeignKey(
        db_index=False, to=ContentType, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    title = models.CharField(max_length=200)
    file = models.FileField(storage=document_storage, upload_to=document_path, max_length=200)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        db_index=False, to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Row-level security copy of the record's workflow state.
    record_state = state_copy()

    class Meta(TenantOwned.Meta):
        ordering = ["organization_id", "content_type_id", "object_id", "id"]
        # A record page's documents, found by record.
        indexes = [models.Index(fields=["content_type", "object_id"], name="document_record")]
