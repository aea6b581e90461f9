"""JSON shapes of the records (SPEC 4 names, SPEC 6 envelope).

Output serializers read prefetched, already-scoped relations (`visible_*` attributes set by the
views), so a list costs the same number of queries for 5 rows as for 500. Write serializers
describe request bodies for the OpenAPI schema; the services validate the input itself, so the
rules live once.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.content import FIELDS, Freshness, freshness, missing_fields
from projects.models import (
    AuditEntry,
    Contact,
    ContactKind,
    ParticipantRole,
    Participation,
    Project,
    ProjectCategory,
    ProjectLifecycle,
    RelationKind,
    WorkflowState,
    Zone,
    ZoneKind,
    ZoneLifecycle,
)
from registry.tenancy import actor_for_request, allowed

COMMON_FIELDS = (
    "identifier",
    "url",
    "organization",
    "workflow_state",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "confirmed_at",
    "freshness",
    "completeness",
    "missing_fields",
)


class Multilingual(serializers.DictField):
    """Text keyed by ISO 639-1 code, for example {"en": "...", "zh": "..."}."""

    child = serializers.CharField()


class LocationSerializer(serializers.Serializer):
    name = serializers.CharField()
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class DocumentSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.URLField()
    language = serializers.CharField(required=False)
    category = serializers.CharField(required=False)


class RelatedProjectSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    kind = serializers.ChoiceField(choices=RelationKind.choices)


class ParticipantSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(
        source="participant", slug_field="slug", read_only=True
    )
    confirmed = serializers.BooleanField(source="is_confirmed", read_only=True)

    class Meta:
        model = Participation
        fields = ("id", "organization", "role", "status", "confirmed", "created_at", "responded_at")
        read_only_fields = fields


class PendingRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField()
    base_version = serializers.IntegerField()
    content = serializers.DictField(help_text="the proposed content, SPEC 4 field names")
    updated_at = serializers.DateTimeField()


class RecordSerializer(serializers.ModelSerializer):
    """Identity, ownership and workflow of any record; subclasses add their SPEC 4 fields."""

    url = serializers.SerializerMethodField()
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    countries = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    pending_revision = serializers.SerializerMethodField(
        help_text="The open revision of a published record; shown to its members and reviewers."
    )
    freshness = serializers.SerializerMethodField(
        help_text="Of a published record: current, stale (confirmed_at over 12 months ago) or "
        "inactive (over 24 months); null for any other state."
    )
    completeness = serializers.IntegerField(
        read_only=True,
        min_value=0,
        max_value=100,
        help_text="The share (0-100) of the optional fields that are filled.",
    )
    missing_fields = serializers.SerializerMethodField(
        help_text="The optional fields still empty; shown to members of the owner organization "
        "only (null for everyone else)."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, record) -> str:
        path = reverse(f"api-{record.record_type}-detail", kwargs={"identifier": record.identifier})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(PendingRevisionSerializer(allow_null=True))
    def get_pending_revision(self, record):
        revision = self.context.get("revisions", {}).get(record.pk)
        return PendingRevisionSerializer(revision).data if revision is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=Freshness.choices, allow_null=True))
    def get_freshness(self, record):
        return freshness(record, self.context.get("now"))

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_missing_fields(self, record):
        return None  # filled in by to_representation, from the content it has just rendered

    def to_representation(self, record):
        data = super().to_representation(record)
        request = self.context.get("request")
        if request is not None and allowed(
            actor_for_request(request), "view_missing_fields", record
        ):
            data["missing_fields"] = missing_fields(type(record), data)
        return data


def _identifiers(records) -> list[str]:
    return sorted(record.identifier for record in records)


class ProjectSerializer(RecordSerializer):
    title = Multilingual()
    summary = Multilingual()
    description = Multilingual()
    expected_outcomes = Multilingual()
    locations = LocationSerializer(many=True)
    documents = DocumentSerializer(many=True)
    zones = serializers.SerializerMethodField()
    related_projects = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    website = serializers.CharField(help_text="a URL, or empty")

    class Meta:
        model = Project
        fields = (*COMMON_FIELDS, *FIELDS[Project], "participants", "pending_revision")
        read_only_fields = fields

    def get_zones(self, project) -> list[str]:
        return _identifiers(project.visible_zones)

    @extend_schema_field(RelatedProjectSerializer(many=True))
    def get_related_projects(self, project):
        return sorted(
            (
                {"identifier": relation.related.identifier, "kind": relation.kind}
                for relation in project.visible_relations
            ),
            key=lambda item: item["identifier"],
        )

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, project):
        return ParticipantSerializer(project.visible_participations, many=True).data


class ZoneSerializer(RecordSerializer):
    name = Multilingual()
    description = Multilingual()
    geometry = serializers.JSONField(
        allow_null=True, help_text="GeoJSON Polygon or MultiPolygon (RFC 7946)"
    )
    border_crossings = serializers.ListField(child=serializers.CharField())
    policies = serializers.DictField(child=serializers.CharField())

    class Meta:
        model = Zone
        fields = (*COMMON_FIELDS, *FIELDS[Zone], "pending_revision")
        read_only_fields = fields


class ContactSerializer(RecordSerializer):
    name = Multilingual()
    languages = serializers.ListField(child=serializers.CharField())
    countries_covered = serializers.ListField(child=serializers.CharField())
    zones = serializers.SerializerMethodField()
    projects = serializers.SerializerMethodField()
    website = serializers.CharField(help_text="a URL, or empty")
    email = serializers.CharField(help_text="an email address, or empty")

    class Meta:
        model = Contact
        fields = (*COMMON_FIELDS, *FIELDS[Contact], "pending_revision")
        read_only_fields = fields

    def get_zones(self, contact) -> list[str]:
        return _identifiers(contact.visible_zones)

    def get_projects(self, contact) -> list[str]:
        return _identifiers(contact.visible_projects)


# --- Request bodies (for the schema; the services check the content) --------------------------


class WriteCommon(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="the version you edit; stale -> 412 (or send If-Match)"
    )
    organization = serializers.CharField(
        required=False, help_text="optional; if given it must be the caller's organization slug"
    )
    countries = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


class ProjectWriteSerializer(WriteCommon):
    ref = serializers.CharField(required=False, help_text="creation only: identifier = prefix-ref")
    title = Multilingual(required=False)
    summary = Multilingual(required=False)
    description = Multilingual(required=False)
    category = serializers.ChoiceField(choices=ProjectCategory.choices, required=False)
    lifecycle_status = serializers.ChoiceField(choices=ProjectLifecycle.choices, required=False)
    planned_start = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    actual_end = serializers.DateField(required=False, allow_null=True)
    locations = LocationSerializer(many=True, required=False)
    zones = serializers.ListField(child=serializers.CharField(), required=False)
    related_projects = RelatedProjectSerializer(many=True, required=False)
    budget_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    budget_currency = serializers.CharField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    documents = DocumentSerializer(many=True, required=False)
    expected_outcomes = Multilingual(required=False)


class ZoneWriteSerializer(WriteCommon):
    ref = serializers.CharField(required=False, help_text="creation only: identifier = prefix-ref")
    name = Multilingual(required=False)
    description = Multilingual(required=False)
    kind = serializers.ChoiceField(choices=ZoneKind.choices, required=False)
    geometry = serializers.JSONField(required=False, allow_null=True)
    border_crossings = serializers.ListField(child=serializers.CharField(), required=False)
    established_on = serializers.DateField(required=False, allow_null=True)
    governing_body = serializers.CharField(required=False, allow_blank=True)
    policies = serializers.DictField(child=serializers.CharField(), required=False)
    lifecycle_status = serializers.ChoiceField(choices=ZoneLifecycle.choices, required=False)


class ContactWriteSerializer(WriteCommon):
    ref = serializers.CharField(required=False, help_text="creation only: identifier = prefix-ref")
    kind = serializers.ChoiceField(choices=ContactKind.choices, required=False)
    name = Multilingual(required=False)
    provider = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, help_text="E.164")
    email = serializers.EmailField(required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    hours = serializers.CharField(required=False, allow_blank=True)
    countries_covered = serializers.ListField(child=serializers.CharField(), required=False)
    zones = serializers.ListField(child=serializers.CharField(), required=False)
    projects = serializers.ListField(child=serializers.CharField(), required=False)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)


class ActionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ParticipantRequestSerializer(serializers.Serializer):
    organization = serializers.CharField(help_text="the participant organization's slug")
    role = serializers.ChoiceField(choices=ParticipantRole.choices)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    actor_organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AuditEntry
        fields = (
            "id",
            "action",
            "actor",
            "actor_organization",
            "from_state",
            "to_state",
            "comment",
            "revision",
            "version",
            "changed_fields",
            "created_at",
        )
        read_only_fields = fields


class QueueItemSerializer(serializers.Serializer):
    type = serializers.CharField(source="record_type")
    identifier = serializers.CharField()
    organization = serializers.CharField(source="organization.slug")
    title = serializers.CharField(source="display_title")
    workflow_state = serializers.ChoiceField(choices=WorkflowState.choices)
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    revision = serializers.SerializerMethodField()

    def get_revision(self, record) -> int | None:
        revision = getattr(record, "pending_revision", None)
        return revision.number if revision is not None else None


class ChangeEventSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="resume after this event with ?since=<cursor>")
    event = serializers.ChoiceField(choices=["publish", "update", "archive"])
    type = serializers.ChoiceField(choices=["projects", "zones", "contacts"])
    identifier = serializers.CharField()
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    url = serializers.URLField()
