"""A project's participants (SPEC 4): list, add, and the participant's confirm / decline."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.domain.boundary import access_organization
from projects.api import serializers as s
from projects.domain import participants
from projects.domain.boundary import access_record
from projects.models import Participation, Project
from registry.api.base import RegistryViewMixin, json_object
from registry.tenancy import NotVisible, visible


@extend_schema_serializer(many=False)  # the envelope itself, not a list of envelopes
class ParticipantList(serializers.Serializer):
    """All of a project's participants at once, in the envelope of every list."""

    results = s.ParticipantSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="always null: one page")
    previous = serializers.URLField(allow_null=True, help_text="always null: one page")


class ParticipantViewSet(RegistryViewMixin, viewsets.GenericViewSet):
    """A project's participants; another organization's admins confirm or decline."""

    serializer_class = s.ParticipantSerializer
    pagination_class = None

    def get_queryset(self):
        return visible(self.actor, Participation)

    def project(self, identifier) -> Project:
        return access_record(self.actor, Project, identifier)

    def participation(self, identifier, pk) -> Participation:
        """By the boundary's participation rule: the participant's members see the request
        even when the project (a draft) is not theirs to read."""
        found = (
            visible(self.actor, Participation)
            .filter(project__identifier=identifier, pk=pk)
            .select_related("participant")
            .first()
        )
        if found is None:
            raise NotVisible()
        return found

    @extend_schema(tags=["projects"], responses=ParticipantList)
    def list(self, request, identifier=None):
        project = self.project(identifier)
        rows = (
            visible(self.actor, Participation)
            .filter(project=project)
            .select_related("participant")
            .order_by("pk")
        )
        return Response(
            {
                "results": s.ParticipantSerializer(rows, many=True).data,
                "next": None,
                "previous": None,
            }
        )

    @extend_schema(
        tags=["projects"],
        request=s.ParticipantRequestSerializer,
        responses={201: s.ParticipantSerializer},
    )
    def create(self, request, identifier=None):
        body = json_object(request.data)
        unknown = sorted(set(body) - {"organization", "role"})
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        project = self.project(identifier)
        slug, role = body.get("organization"), body.get("role")
        if not isinstance(slug, str) or not slug:
            raise ValidationError({"organization": ["Give the participant organization's slug."]})
        if not isinstance(role, str):
            raise ValidationError({"role": ["Give the participant's role."]})
        try:
            organization = access_organization(self.actor, slug)
        except NotVisible:
            raise ValidationError(
                {"organization": [f"No organization with slug {slug!r}."]}
            ) from None
        participation = participants.add_participant(self.actor, project, organization, role)
        participation = self.participation(identifier, participation.pk)
        return Response(s.ParticipantSerializer(participation).data, status=status.HTTP_201_CREATED)

    def respond(self, request, identifier, pk, accept: bool):
        json_object(request.data)
        participation = self.participation(identifier, pk)
        participants.respond_participation(self.actor, participation, accept)
        return Response(s.ParticipantSerializer(self.participation(identifier, pk)).data)

    @extend_schema(tags=["projects"], request=None, responses=s.ParticipantSerializer)
    def confirm(self, request, identifier=None, pk=None):
        return self.respond(request, identifier, pk, accept=True)

    @extend_schema(tags=["projects"], request=None, responses=s.ParticipantSerializer)
    def decline(self, request, identifier=None, pk=None):
        return self.respond(request, identifier, pk, accept=False)
