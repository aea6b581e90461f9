"""JSON shapes of the records (SPEC 4 names, SPEC 6 envelope).

Output serializers read prefetched, already-scoped relations (`visible_*` attributes set by the
views), so a list costs the same number of queries for 5 rows as for 500. Write serializers
describe request bodies for the OpenAPI schema; the services validate the input itself, so the
rules live once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from projects.choices import (
    Freshness,
    ParticipantRole,
    RelationKind,
    WorkflowState,
)
from projects.domain.content import FIELDS, LINK_FIELDS, SERVER_COLUMNS, missing_fields
from projects.domain.freshness import FreshnessCutoffs, freshness
from projects.domain.public_metadata import shows_private
from projects.models import AuditEntry, Contact, Participation, Project, Zone
from projects.validation import (
    COUNTRY_CODES,
    ISO_4217,
    MAX_LIST_ITEMS,
    REF_PATTERN,
    ZONE_POLICY_KEYS,
    validate_optional_multilingual,
)
from registry.api.schema import MULTILINGUAL_TEXT_REF, text_by_key
from registry.multilingual import ISO_639_1, validate_multilingual
from registry.tenancy import Actor, actor_for_request, allowed

COMMON_FIELDS = (
    "identifier",
    "url",
    *SERVER_COLUMNS,
    "freshness",
    "completeness",
    "missing_fields",
)


@extend_schema_field({"$ref": MULTILINGUAL_TEXT_REF})
class Multilingual(serializers.DictField):
    """Text keyed by ISO 639-1 code, for example {"en": "...", "zh": "..."}."""

    child = serializers.CharField()


# What Django's URLValidator accepts, as far as a pattern can say it: http or https, a host name
# with a top-level domain, an optional path. Without it the schema's `format: uri` promised any
# URI (`mailto:`, `urn:`), which the server refuses.
WEB_ADDRESS_PATTERN = (
    r"^https?://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"\.[a-z]{2,63}(?:/[!-~]{0,100})?$"
)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uri", "pattern": WEB_ADDRESS_PATTERN},
            {"type": "string", "maxLength": 0},
        ]
    }
)
class WebAddressField(serializers.URLField):
    """A web address (http or https), or empty."""


@extend_schema_field(text_by_key(ZONE_POLICY_KEYS))
class Policies(serializers.DictField):
    """A zone's policies: text per item (visa facilitation, cross-border investment, ...)."""


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


# --- The lean representation of list rows ----------------------------------------------------
#
# DRF's `to_representation` asks every field for its attribute and its representation through
# generic machinery, and a nested serializer built per row (participants) costs more than the
# row's own fields. The record serializers compile their fields once per class into one
# generated function per row (`compile_row`) that gives the same JSON, byte for byte: the
# converters are the fields' own `to_representation` except where the field's is a plain
# `str` / `int` / `float`, and nested serializers and containers are compiled the same way.

_PLAIN = {
    serializers.CharField: str,
    serializers.URLField: str,
    serializers.EmailField: str,
    serializers.IntegerField: int,
    serializers.FloatField: float,
}


def _datetime_converter(field):
    """DateTimeField.to_representation for aware datetimes in ISO 8601, with the field's time
    zone looked up once (DRF looks it up per value, which costs more than the rest)."""
    if getattr(field, "format", api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return field.to_representation
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return field.to_representation
    slow = field.to_representation

    def convert(value):
        if isinstance(value, str) or value.tzinfo is None:
            return slow(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _iso_format(field, default) -> bool:
    output_format = getattr(field, "format", default)
    return output_format is not None and output_format.lower() == ISO_8601


def _date_converter(field):
    """DateField.to_representation in ISO 8601, for dates (text is given back as it is)."""
    slow = field.to_representation

    def convert(value):
        return value.isoformat() if type(value) is datetime.date else slow(value)

    return convert


def _converter(field):
    """A function value -> representation, equal to `field.to_representation` for non-None."""
    if type(field) is serializers.DateTimeField:
        return _datetime_converter(field)
    if type(field) is serializers.DateField and _iso_format(field, api_settings.DATE_FORMAT):
        return _date_converter(field)
    if isinstance(field, serializers.ListSerializer):
        child = _converter(field.child)
        return lambda items: [child(item) for item in items]
    if isinstance(field, serializers.Serializer):  # nested, over dicts (locations, documents)
        steps = [(name, sub.required, _converter(sub)) for name, sub in field.fields.items()]

        def nested(item):
            out = {}
            for name, required, convert in steps:
                if name in item:
                    value = item[name]
                    out[name] = None if value is None else convert(value)
                elif required:
                    raise KeyError(name)
            return out

        return nested
    if isinstance(field, serializers.DictField):
        child = _converter(field.child)
        return lambda value: {
            str(key): None if item is None else child(item) for key, item in value.items()
        }
    if isinstance(field, serializers.ListField):
        child = _converter(field.child)
        return lambda items: [None if item is None else child(item) for item in items]
    return _PLAIN.get(type(field), field.to_representation)


# The Python type whose values a field's to_representation returns unchanged: such a value is
# copied as it is, without the call (most columns of a row: text, choices, counts, flags).
_UNCHANGED = {
    serializers.CharField: str,
    serializers.URLField: str,
    serializers.EmailField: str,
    serializers.ChoiceField: str,  # a choice's key, or an unknown value, comes back as it is
    serializers.IntegerField: int,
    serializers.FloatField: float,
    serializers.BooleanField: bool,
}


def _unchanged_type(field) -> type | None:
    if type(field) is serializers.BigIntegerField and not getattr(
        field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING
    ):
        return int
    return _UNCHANGED.get(type(field))


def compile_row(serializer) -> Callable[[Any], dict]:
    """`serializer.to_representation`'s readable fields as one function record -> dict.

    The fields of a serializer class, and so their converters, depend on the class and the
    settings only: the function's source is generated once per class and process (building a
    ModelSerializer's fields costs more than rendering a small page, and a loop over (read,
    convert) steps cost 30 µs a row on a page of 500); only the method fields are bound anew,
    per serializer. The generated code reads each attribute directly (`record.participant.
    slug`), copies a value of the field's unchanged type as it is, and calls the field's
    converter otherwise: the same JSON as DRF's, byte for byte (tests/projects/api).
    """
    template = row_template(type(serializer), serializer)
    return template.make(*template.constants, *(getattr(serializer, m) for m in template.methods))


@dataclass(frozen=True)
class RowTemplate:
    make: Callable  # (*constants, *bound methods) -> the row function
    constants: tuple  # each plain field's converter and unchanged type, in field order
    methods: tuple[str, ...]  # the method fields' method names, in field order
    converters: dict[str, Callable]  # the plain fields' converters by field name


_TEMPLATES: dict[type, RowTemplate] = {}


def row_template(serializer_class: type, serializer=None) -> RowTemplate:
    """The row function's template for a serializer class (`serializer`: an instance of it,
    whose fields are read once)."""
    template = _TEMPLATES.get(serializer_class)
    if template is None:
        template = _TEMPLATES[serializer_class] = _template(serializer or serializer_class())
    return template


def _template(serializer) -> RowTemplate:
    lines, constants, methods, converters = [], [], [], {}
    for field in serializer._readable_fields:
        key = repr(field.field_name)
        if isinstance(field, serializers.SerializerMethodField):
            lines.append(f"out[{key}] = method{len(methods)}(record)")
            methods.append(field.method_name)
            continue
        index = len(converters)
        converters[field.field_name] = _converter(field)
        unchanged = _unchanged_type(field)
        constants += [converters[field.field_name], unchanged]
        same = f" or type(value) is unchanged{index}" if unchanged is not None else ""
        lines.append(f"value = {_reader(field.source_attrs)}")
        lines.append(f"out[{key}] = value if value is None{same} else convert{index}(value)")
    parameters = [f"convert{i}, unchanged{i}" for i in range(len(converters))]
    parameters += [f"method{i}" for i in range(len(methods))]
    source = "\n".join(
        [
            f"def make({', '.join(parameters)}):",
            "    def row(record):",
            "        out = {}",
            *(f"        {line}" for line in lines),
            "        return out",
            "    return row",
        ]
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<row of {type(serializer).__name__}>", "exec"), namespace)  # noqa: S102
    return RowTemplate(namespace["make"], tuple(constants), tuple(methods), converters)


def _reader(source_attrs: list[str]) -> str:
    """The expression that reads a field's source from `record` (getattr for a name that is
    not an identifier, which no field of ours has)."""
    expression = "record"
    for attr in source_attrs:
        expression = (
            f"{expression}.{attr}" if attr.isidentifier() else (f"getattr({expression}, {attr!r})")
        )
    return expression


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

    # Computed once per serializer (once per page), not per row.

    @cached_property
    def _row(self):
        return compile_row(self)

    @cached_property
    def _actor(self) -> Actor:
        request = self.context.get("request")
        return actor_for_request(request) if request is not None else Actor.anonymous()

    @cached_property
    def _url_parts(self) -> tuple[str, str]:
        """The detail URL around its identifier: reverse() once per page, not per row.

        The route's identifiers ([A-Za-z0-9][A-Za-z0-9._-]*) are never quoted by reverse()."""
        marker = "IDENTIFIER0MARKER"
        path = reverse(f"api-{self.Meta.model.record_type}-detail", kwargs={"identifier": marker})
        request = self.context.get("request")
        url = request.build_absolute_uri(path) if request is not None else path
        prefix, _, suffix = url.partition(marker)
        return prefix, suffix

    @cached_property
    def _cutoffs(self) -> FreshnessCutoffs:
        return FreshnessCutoffs.at(self.context.get("now"))

    @cached_property
    def _updated_at(self):
        """The updated_at field's converter, from the row's template (not self.fields, which
        would build every field again)."""
        return row_template(type(self), self).converters["updated_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, record) -> str:
        prefix, suffix = self._url_parts
        return f"{prefix}{record.identifier}{suffix}"

    @extend_schema_field(PendingRevisionSerializer(allow_null=True))
    def get_pending_revision(self, record):
        revision = self.context.get("revisions", {}).get(record.pk)
        return PendingRevisionSerializer(revision).data if revision is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=Freshness.choices, allow_null=True))
    def get_freshness(self, record):
        return freshness(record, cutoffs=self._cutoffs)

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_missing_fields(self, record):
        return None  # filled in by to_representation, from the content it has just rendered

    def to_representation(self, record):
        data = self._row(record)
        actor = self._actor
        sees_revision = data.get("pending_revision") is not None
        if not shows_private(actor, record, sees_revision=sees_revision):
            # Issue 10: outside the owner, version and updated_at move with published content.
            data["version"] = record.public_version
            if record.public_updated_at is not None:
                data["updated_at"] = self._updated_at(record.public_updated_at)
        if record.organization_id in actor.org_ids and allowed(
            actor, "view_missing_fields", record
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

    @cached_property
    def _participant_row(self):
        return compile_row(ParticipantSerializer())

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, project):
        # The same JSON as ParticipantSerializer(many=True), without a serializer per row.
        row = self._participant_row
        return [row(participation) for participation in project.visible_participations]


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


# What a body may carry besides the content (a comment, not a docstring: drf-spectacular would
# publish a docstring as each body's description).
class WriteCommon(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="the version you edit; stale -> 412 (or send If-Match)"
    )
    organization = serializers.RegexField(
        r"^[-a-zA-Z0-9_]+$",
        max_length=64,
        required=False,
        help_text="optional; if given, the slug of an organization the caller edits for (one of "
        "the caller's organizations, GET /api/v1/organizations/); any other is refused",
    )


class CreateCommon(WriteCommon):
    ref = serializers.RegexField(
        REF_PATTERN.pattern, required=False, help_text="identifier = organization prefix-ref"
    )


# The shapes of the JSON fields that are not multilingual text or lists of strings.
JSON_SHAPES = {
    "locations": lambda: LocationSerializer(many=True, required=False),
    "documents": lambda: DocumentSerializer(many=True, required=False),
    "related_projects": lambda: RelatedProjectSerializer(many=True, required=False),
    "geometry": lambda: serializers.JSONField(required=False, allow_null=True),
    "policies": lambda: Policies(child=serializers.CharField(), required=False),
}
HELP_TEXTS = {"phone": "E.164"}
# The items of the lists of codes and short texts (projects.validation's rules).
COUNTRY_CODE_CHOICES = sorted(COUNTRY_CODES)
LIST_ITEMS = {
    "countries": lambda: serializers.ChoiceField(choices=COUNTRY_CODE_CHOICES),
    "countries_covered": lambda: serializers.ChoiceField(choices=COUNTRY_CODE_CHOICES),
    "languages": lambda: serializers.ChoiceField(choices=sorted(ISO_639_1)),
    "tags": lambda: serializers.RegexField(r"\S", max_length=50),
}
MULTILINGUAL = (validate_multilingual, validate_optional_multilingual)


def _write_field(model: type, name: str, required: bool = False) -> serializers.Field:
    """The request-body field for one writable field, derived from the model's column
    (`required`: a creation must carry it, not empty)."""
    if name in JSON_SHAPES:
        return JSON_SHAPES[name]()
    if name in LINK_FIELDS:  # linked records, by identifier
        return serializers.ListField(child=serializers.CharField(), required=False)
    column = model._meta.get_field(name)
    if isinstance(column, models.JSONField):
        if any(validator in MULTILINGUAL for validator in column.validators):
            return Multilingual(required=required, allow_empty=not required)
        child = LIST_ITEMS.get(name, lambda: serializers.RegexField(r"\S", max_length=200))()
        return serializers.ListField(
            child=child,
            required=required,
            min_length=1 if required else None,
            max_length=MAX_LIST_ITEMS,
        )
    if column.choices:
        return serializers.ChoiceField(choices=column.choices, required=required)
    if name == "budget_currency":
        return serializers.ChoiceField(choices=["", *sorted(ISO_4217)], required=False)
    if isinstance(column, models.DateField):
        return serializers.DateField(required=False, allow_null=True)
    if isinstance(column, models.DecimalField):
        return serializers.DecimalField(
            max_digits=column.max_digits,
            decimal_places=column.decimal_places,
            required=False,
            allow_null=True,
        )
    text = {
        models.EmailField: serializers.EmailField,
        models.URLField: WebAddressField,
    }.get(type(column), serializers.CharField)
    extra = {"help_text": HELP_TEXTS[name]} if name in HELP_TEXTS else {}
    return text(required=required, allow_blank=not required, **extra)


def required_at_creation(model: type) -> list[str]:
    """The fields a new record must have: its columns that may not be blank, unless their
    default is a value (an empty default is blank)."""
    required = []
    for name in FIELDS[model]:
        if name in LINK_FIELDS:
            continue
        column = model._meta.get_field(name)
        if not getattr(column, "concrete", False) or column.blank:
            continue
        if not column.has_default() or column.get_default() in ("", [], {}):
            required.append(name)
    return required


def write_serializer(model: type, *, creating: bool = False) -> type[serializers.Serializer]:
    """The request body of a record type (for the schema; the services check the content):
    one field per name of content.FIELDS, the one list of writable fields. A creation must
    carry the fields that may not be blank."""
    required = required_at_creation(model) if creating else ()
    fields = {name: _write_field(model, name, name in required) for name in FIELDS[model]}
    prefix, base = ("Create", CreateCommon) if creating else ("Write", WriteCommon)
    return type(f"{model.__name__}{prefix}Serializer", (base,), fields)


ProjectWriteSerializer = write_serializer(Project)
ZoneWriteSerializer = write_serializer(Zone)
ContactWriteSerializer = write_serializer(Contact)
ProjectCreateSerializer = write_serializer(Project, creating=True)
ZoneCreateSerializer = write_serializer(Zone, creating=True)
ContactCreateSerializer = write_serializer(Contact, creating=True)


# Text never holds U+0000 (PostgreSQL cannot store it; the server answers 400).
NO_NUL = r"^[^\x00]*$"


class ActionSerializer(serializers.Serializer):
    comment = serializers.RegexField(
        NO_NUL, required=False, allow_blank=True, max_length=5000, help_text="no U+0000"
    )


class CommentedActionSerializer(serializers.Serializer):
    """The body of an action that needs a comment (workflow.Transition.comment_required)."""

    comment = serializers.RegexField(
        r"^(?=[\s\S]*\S)[^\x00]*$", max_length=5000, help_text="required, not blank, no U+0000"
    )


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
