"""The record endpoints: /api/v1/{projects,zones,contacts}/ and what hangs off a record.

Every view is thin: the boundary (registry.tenancy) says which rows and whether the caller may
act, the services (projects.domain.services, projects.domain.workflow) make every change; the view
parses,
calls and renders.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.api.base import caller_organization
from accounts.models import Organization
from projects.api import serializers as s
from projects.domain import change_counters, public_metadata, refusals, services, workflow
from projects.domain.boundary import access_record
from projects.domain.freshness import freshness
from projects.domain.revisions import pending_revisions
from projects.models import Contact, Participation, Project, ProjectRelation, Record, Zone
from projects.reads.filtersets import (
    ORDERING_FIELDS,
    ContactFilterSet,
    ProjectFilterSet,
    ZoneFilterSet,
)
from projects.reads.keyset import SORT_COLUMNS
from registry.api.base import RegistryViewMixin, json_object
from registry.api.conditional import (
    expected_version,
    not_modified,
    not_modified_response,
    record_etag,
    stamped_list_etag,
    with_validators,
)
from registry.api.pagination import RegistryCursorPagination
from registry.api.renderers import (
    CSVRenderer,
    GeoJSONRenderer,
    RegistryJSONRenderer,
    location_features,
    zone_features,
)
from registry.fast_rows import fast_values, instance
from registry.tenancy import visible

# What a project row shows of its participations (ParticipantSerializer).
PARTICIPATION_COLUMNS = ("id", "role", "status", "created_at", "responded_at")


# Body keys a write may carry that are not record content.
NOT_CONTENT = frozenset({"organization", "version", "ref"})


def _body_version(body: dict) -> int | None:
    version = body.get("version")
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({"version": ["Give version as a whole number."]})
    return version


class HistoryPagination(RegistryCursorPagination):
    def get_ordering(self, request, queryset, view):
        return ("id",)


class RecordViewSet(RegistryViewMixin, viewsets.GenericViewSet):
    """List, read, create, edit and delete records of one type; workflow actions; history."""

    model: type[Record] = Record
    write_serializer_class = None
    lookup_field = "identifier"
    ordering = ("identifier",)
    ordering_fields = ORDERING_FIELDS
    # ordering=updated_at follows the time the public sees (issue 10), as the catalogue's pages do.
    ordering_columns = SORT_COLUMNS
    renderer_classes = [RegistryJSONRenderer, CSVRenderer]
    # Set per route by the URLconf: the workflow action this route takes.
    transition_name: str | None = None

    @property
    def csv_fields(self):
        return self.serializer_class.Meta.fields

    def attach_links(self, records: list[Record]) -> None:
        """Set the linked records each row shows (`visible_*` attributes, each scoped to what
        the actor sees), one query per kind of link for the whole page."""

    def get_queryset(self):
        return visible(self.actor, self.model).select_related("organization")

    def filter_queryset(self, queryset):
        # With none of the list's filters in the query string the filterset changes nothing,
        # and building it (copies of every filter and form field, 250 countries among their
        # choices) costs more than the rest of a small page: skip it then.
        if self.request.query_params.keys() & self.filterset_class.base_filters.keys():
            return super().filter_queryset(queryset)
        return queryset

    def known_query_params(self) -> set[str]:
        known = super().known_query_params()
        if self.action != "list":
            known -= set(self.filterset_class.base_filters)
        if self.action == "create":
            known.add("organization")
        return known

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "revisions": getattr(self, "_revisions", {}),
            # One instant for every row of the answer and its ETag.
            "now": self.now,
        }

    @cached_property
    def now(self):
        return timezone.now()

    # --- Reading ---------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        # From the caller's change counters (and freshness thresholds): no scan of the rows.
        stamp, last_modified = change_counters.list_stamp(self.actor, self.model, self.now)
        etag = stamped_list_etag(request, stamp)
        if not_modified(request, etag):
            return not_modified_response(etag, last_modified)
        # Rows as plain values, made into instances without Model.__init__ (registry.fast_rows):
        # the serializer reads them as it reads any record, at a fraction of the cost.
        rows = self.paginate_queryset(fast_values(queryset, *self.row_columns()))
        page = records_from_rows(self.model, rows)
        self.attach_links(page)
        self._revisions = pending_revisions(self.actor, self.model, page)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return with_validators(response, etag, last_modified)

    def row_columns(self) -> list[str]:
        """Every column of the record (as Model.from_db would hold) and its owner's slug."""
        return [field.attname for field in self.model._meta.concrete_fields] + [
            "organization__slug"
        ]

    def retrieve(self, request, identifier=None):
        record = access_record(self.actor, self.model, identifier)
        return self.record_response(record, check_not_modified=True)

    def record_response(self, record, *, status_code=200, check_not_modified=False):
        """The record as JSON (or CSV/GeoJSON) with its ETag and Last-Modified."""
        self._revisions = pending_revisions(self.actor, self.model, [record])
        revision = self._revisions.get(record.pk)
        # Outside the owner, the public version and time (issue 10; public_metadata).
        sees = revision is not None
        version = public_metadata.version_for(self.actor, record, sees_revision=sees)
        updated_at = public_metadata.updated_at_for(self.actor, record, sees_revision=sees)
        etag = record_etag(
            self.request,
            record,
            revision,
            extra=freshness(record, self.now) or "",
            version=version,
            updated_at=updated_at,
        )
        if check_not_modified and not_modified(self.request, etag):
            return not_modified_response(etag, updated_at)
        self.attach_links([record])
        response = Response(self.get_serializer(record).data, status=status_code)
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = reverse(
                f"api-{self.model.record_type}-detail",
                kwargs={"identifier": record.identifier},
                request=self.request,
            )
        return with_validators(response, etag, updated_at)

    # --- Writing (through projects.domain.services only) ----------------------------------------

    def content_from(self, body: dict, *, creating: bool) -> dict:
        if creating and "identifier" in body:
            raise ValidationError(
                {"identifier": ["The server builds the identifier; give an optional ref instead."]}
            )
        if not creating and "ref" in body:
            raise ValidationError({"ref": ["The ref is given at creation and never changes."]})
        return {name: value for name, value in body.items() if name not in NOT_CONTENT}

    def create(self, request, *args, **kwargs):
        self.require_authenticated()
        body = json_object(request.data)
        organization = caller_organization(request, self.actor, body)
        data = self.content_from(body, creating=True)
        record = services.create_record(
            self.actor, self.model, organization, data, ref=body.get("ref")
        )
        record = access_record(self.actor, self.model, record.identifier)
        return self.record_response(record, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, identifier=None):
        body = json_object(request.data)
        record = refusals.access_for(self.actor, self.model, identifier, "change")
        # Whether the caller may change it is the service's to say (and to log when refused).
        named = body.get("organization")
        if named is not None and named != record.organization.slug:
            raise ValidationError(
                {"organization": ["A record's organization never changes; do not name another."]}
            )
        version = expected_version(request, _body_version(body))
        data = self.content_from(body, creating=False)
        services.update_record(self.actor, record, data, expected_version=version)
        return self.record_response(access_record(self.actor, self.model, identifier))

    def destroy(self, request, identifier=None):
        record = refusals.access_for(self.actor, self.model, identifier, "delete")
        services.delete_record(self.actor, record)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def transition(self, request, identifier=None):
        """A workflow action (SPEC 5) named by the route; the comment comes in the body."""
        # The record must exist for the caller before anything else is said about it.
        refusals.access_for(self.actor, self.model, identifier, self.transition_name)
        body = json_object(request.data)
        unknown = sorted(set(body) - {"comment"})
        if unknown:
            raise ValidationError(
                {name: ["Unknown field; an action takes only a comment."] for name in unknown}
            )
        comment = body.get("comment", "")
        if not isinstance(comment, str) or len(comment) > 5000:
            raise ValidationError(
                {"comment": ["Give the comment as text of at most 5000 characters."]}
            )
        record = workflow.perform(
            self.actor,
            self.model,
            identifier,
            self.transition_name,
            comment=comment,
            expected_version=expected_version(request),
        )
        return self.record_response(record)

    def schema_request_serializer(self):
        """The body of this route's action in the OpenAPI document (registry.api.schema)."""
        transition = workflow.TRANSITIONS.get(self.transition_name or "")
        if transition is not None and transition.comment_required:
            return s.CommentedActionSerializer
        return s.ActionSerializer

    def history(self, request, identifier=None):
        record = access_record(self.actor, self.model, identifier)
        entries = workflow.history(self.actor, record)
        paginator = HistoryPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        data = s.AuditEntrySerializer(page, many=True).data
        return paginator.get_paginated_response(data)


def _document(viewset, serializer, write_serializer, create_serializer):
    """OpenAPI descriptions of one record type's operations."""
    record_type = viewset.model.record_type
    tag = [record_type]
    not_modified_param = OpenApiParameter(
        "If-None-Match", str, OpenApiParameter.HEADER, description="an ETag; 304 if unchanged"
    )
    if_match = OpenApiParameter(
        "If-Match", str, OpenApiParameter.HEADER, description="the ETag you edit; 412 if stale"
    )
    ident = OpenApiParameter("identifier", str, OpenApiParameter.PATH)
    create_org = OpenApiParameter(
        "organization", str, description="the organization to create for (session users)"
    )
    # ?format=csv answers text and ?format=geojson a FeatureCollection, not the JSON shape.
    formats = {(200, "text/csv"): OpenApiTypes.STR}
    if GeoJSONRenderer in viewset.renderer_classes:
        formats[(200, "application/geo+json")] = OpenApiTypes.OBJECT
    schemas = {
        "list": extend_schema(
            tags=tag,
            operation_id=f"{record_type}_list",
            parameters=[not_modified_param],
            responses={(200, "application/json"): serializer(many=True), **formats},
        ),
        "retrieve": extend_schema(
            tags=tag,
            parameters=[ident, not_modified_param],
            responses={(200, "application/json"): serializer, **formats, 304: None},
        ),
        "create": extend_schema(
            tags=tag,
            parameters=[create_org],
            request=create_serializer,
            responses={201: serializer},
        ),
        "partial_update": extend_schema(
            tags=tag, parameters=[ident, if_match], request=write_serializer, responses=serializer
        ),
        "destroy": extend_schema(tags=tag, parameters=[ident], responses={204: None}),
        "transition": extend_schema(
            tags=tag,
            parameters=[ident, if_match],
            responses=serializer,
            description="A workflow action of SPEC 5, with an optional (or required) comment.",
        ),
        "history": extend_schema(
            tags=tag, parameters=[ident], responses=s.AuditEntrySerializer(many=True)
        ),
    }
    for method, schema in schemas.items():
        setattr(viewset, method, schema(_own_copy(getattr(viewset, method), method)))
    return viewset


def _own_copy(function, name: str):
    """A fresh function per record type, so each type's schema stays its own (extend_schema
    annotates the function object, which the three viewsets would otherwise share)."""

    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = function.__doc__
    return method


class ProjectViewSet(RecordViewSet):
    model = Project
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    renderer_classes = [RegistryJSONRenderer, CSVRenderer, GeoJSONRenderer]
    geojson_features = staticmethod(location_features)

    def attach_links(self, records):
        ids = [record.pk for record in records]
        actor = self.actor
        zones = fast_values(
            visible(actor, Zone).filter(projects__any=ids).order_by(), "projects", "identifier"
        )
        relations = fast_values(
            visible(actor, ProjectRelation).filter(project_id__any=ids).order_by(),
            "project_id",
            "related__identifier",
            "kind",
        )
        participations = fast_values(
            visible(actor, Participation).filter(project_id__any=ids),
            "project_id",
            "participant_id",
            "participant__slug",
            *PARTICIPATION_COLUMNS,
        )
        attach(records, "visible_zones", zones, "projects", _identified(Zone))
        attach(records, "visible_relations", relations, "project_id", _relation)
        attach(records, "visible_participations", participations, "project_id", _participation)


class ZoneViewSet(RecordViewSet):
    model = Zone
    serializer_class = s.ZoneSerializer
    filterset_class = ZoneFilterSet
    renderer_classes = [RegistryJSONRenderer, CSVRenderer, GeoJSONRenderer]
    geojson_features = staticmethod(zone_features)


class ContactViewSet(RecordViewSet):
    model = Contact
    serializer_class = s.ContactSerializer
    filterset_class = ContactFilterSet

    def attach_links(self, records):
        ids = [record.pk for record in records]
        actor = self.actor
        zones = fast_values(
            visible(actor, Zone).filter(contacts__any=ids).order_by(), "contacts", "identifier"
        )
        projects = fast_values(
            visible(actor, Project).filter(contacts__any=ids).order_by(), "contacts", "identifier"
        )
        attach(records, "visible_zones", zones, "contacts", _identified(Zone))
        attach(records, "visible_projects", projects, "contacts", _identified(Project))


# --- Rows into records -------------------------------------------------------------------------


def records_from_rows(model: type[Record], rows: list[dict]) -> list[Record]:
    """Instances of `model` from `RecordViewSet.row_columns` rows, owners cached by id."""
    owners: dict[int, Organization] = {}
    records = []
    for values in rows:
        org_id = values["organization_id"]
        owner = owners.get(org_id)
        if owner is None:
            owner = owners[org_id] = _organization(org_id, values["organization__slug"])
        del values["organization__slug"]
        records.append(instance(model, values, {"organization": owner}))
    return records


def attach(records, attribute: str, rows, key: str, make) -> None:
    """records[i].<attribute> = [make(row) for the rows whose `key` is its id], in row order."""
    linked: dict[int, list] = {record.pk: [] for record in records}
    for row in rows:
        linked[row[key]].append(make(row))
    for record in records:
        setattr(record, attribute, linked[record.pk])


def _organization(org_id: int, slug: str) -> Organization:
    """The owner or participant as a list item shows it: its id and slug, nothing read."""
    return instance(Organization, {"id": org_id, "slug": slug})


def _identified(model):
    return lambda row: instance(model, {"identifier": row["identifier"]})


def _relation(row) -> ProjectRelation:
    related = instance(Project, {"identifier": row["related__identifier"]})
    return instance(ProjectRelation, {"kind": row["kind"]}, {"related": related})


def _participation(row) -> Participation:
    participant = _organization(row["participant_id"], row["participant__slug"])
    values = {name: row[name] for name in ("project_id", "participant_id", *PARTICIPATION_COLUMNS)}
    return instance(Participation, values, {"participant": participant})


_document(ProjectViewSet, s.ProjectSerializer, s.ProjectWriteSerializer, s.ProjectCreateSerializer)
_document(ZoneViewSet, s.ZoneSerializer, s.ZoneWriteSerializer, s.ZoneCreateSerializer)
_document(ContactViewSet, s.ContactSerializer, s.ContactWriteSerializer, s.ContactCreateSerializer)
