"""Organizations (by slug), sister-city links, and the caller's API keys."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django_countries import countries as iso_countries
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.response import Response

from accounts.api import serializers as s
from accounts.api.base import caller_organization
from accounts.domain import keys, services
from accounts.domain.boundary import access_organization
from accounts.models import (
    ApiKey,
    Organization,
    OrganizationKind,
    SisterCityLink,
    SisterCityStatus,
)
from registry.api.base import RegistryViewMixin, json_object
from registry.api.conditional import list_etag, not_modified, not_modified_response, with_validators
from registry.api.errors import field_errors
from registry.tenancy import READ_SCOPE_ONLY, NotAllowed, NotVisible, require, visible

COUNTRY_CHOICES = [(code, name) for code, name in iso_countries]


class OrganizationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices)
    country = django_filters.ChoiceFilter(choices=COUNTRY_CHOICES)
    q = django_filters.CharFilter(method="filter_q", max_length=200)

    class Meta:
        model = Organization
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(slug__icontains=value)
            | Q(city__icontains=value)
            | Q(identifier_prefix__icontains=value)
        )


class SisterCityLinkFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SisterCityStatus.choices)
    organization = django_filters.CharFilter(
        method="filter_organization", help_text="either side's slug"
    )

    class Meta:
        model = SisterCityLink
        fields = []

    def filter_organization(self, queryset, name, value):
        return queryset.filter(Q(organization__slug=value) | Q(partner__slug=value))


class ListWithETagMixin:
    """A list with an ETag from one aggregate query (tables without a version column)."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        etag, last_modified = list_etag(request, queryset, versions=False)
        if not_modified(request, etag):
            return not_modified_response(etag, last_modified)
        page = self.paginate_queryset(queryset)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        return with_validators(response, etag, last_modified)


class OrganizationViewSet(RegistryViewMixin, ListWithETagMixin, viewsets.GenericViewSet):
    serializer_class = s.OrganizationSerializer
    filterset_class = OrganizationFilterSet
    lookup_field = "slug"
    ordering = ("slug",)

    def get_queryset(self):
        return visible(self.actor, Organization)

    def known_query_params(self):
        known = super().known_query_params()
        return known if self.action == "list" else known - set(self.filterset_class.base_filters)

    @extend_schema(tags=["organizations"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=["organizations"], parameters=[OpenApiParameter("slug", str, "path")])
    def retrieve(self, request, slug=None):
        organization = access_organization(self.actor, slug)
        return Response(self.get_serializer(organization).data)


class SisterCityLinkViewSet(RegistryViewMixin, ListWithETagMixin, viewsets.GenericViewSet):
    serializer_class = s.SisterCityLinkSerializer
    filterset_class = SisterCityLinkFilterSet
    ordering = ("id",)

    def get_queryset(self):
        return visible(self.actor, SisterCityLink).select_related("organization", "partner")

    def known_query_params(self):
        known = super().known_query_params()
        if self.action == "create":
            return known - set(self.filterset_class.base_filters) | {"organization"}
        return known if self.action == "list" else known - set(self.filterset_class.base_filters)

    @extend_schema(tags=["organizations"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def link(self, pk) -> SisterCityLink:
        link = self.get_queryset().filter(pk=pk).first()
        if link is None:
            raise NotVisible()
        return link

    @extend_schema(tags=["organizations"], parameters=[OpenApiParameter("id", int, "path")])
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.link(pk)).data)

    @extend_schema(
        tags=["organizations"],
        request=s.SisterCityProposalSerializer,
        responses={201: s.SisterCityLinkSerializer},
    )
    def create(self, request):
        """An admin of a local government proposes a link; the partner's admins answer it."""
        self.require_authenticated()
        body = json_object(request.data)
        unknown = sorted(set(body) - {"partner", "note", "organization"})
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        organization = caller_organization(request, self.actor, body)
        slug, note = body.get("partner"), body.get("note", "")
        if not isinstance(slug, str) or not slug:
            raise ValidationError({"partner": ["Give the partner organization's slug."]})
        if not isinstance(note, str) or len(note) > 300:
            raise ValidationError({"note": ["Give the note as text of at most 300 characters."]})
        try:
            partner = access_organization(self.actor, slug)
        except NotVisible:
            raise ValidationError({"partner": [f"No organization with slug {slug!r}."]}) from None
        link = services.propose_link(self.actor, organization, partner, note)
        return Response(self.get_serializer(self.link(link.pk)).data, status=201)

    def answer(self, pk, service):
        link = service(self.actor, self.link(pk))
        return Response(self.get_serializer(self.link(link.pk)).data)

    @extend_schema(tags=["organizations"], request=None, responses=s.SisterCityLinkSerializer)
    def accept(self, request, pk=None):
        return self.answer(pk, services.accept_link)

    @extend_schema(tags=["organizations"], request=None, responses=s.SisterCityLinkSerializer)
    def decline(self, request, pk=None):
        return self.answer(pk, services.decline_link)

    @extend_schema(tags=["organizations"], request=None, responses=s.SisterCityLinkSerializer)
    def end(self, request, pk=None):
        return self.answer(pk, services.end_link)


KEY_FIELDS = frozenset({"name", "scopes", "expires_in_days", "organization"})


class ApiKeyViewSet(RegistryViewMixin, viewsets.GenericViewSet):
    """The caller's API keys: list, create (the key is shown once), revoke."""

    serializer_class = s.ApiKeySerializer
    ordering = ("id",)
    extra_query_params = frozenset({"organization"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.actor.is_authenticated:
            raise NotAuthenticated("Sign in or send an API key to manage API keys.")

    def get_queryset(self):
        return visible(self.actor, ApiKey).select_related("organization", "user")

    def key(self, prefix) -> ApiKey:
        key = self.get_queryset().filter(prefix=prefix).first()
        if key is None:
            raise NotVisible()
        return key

    @extend_schema(tags=["api-keys"])
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(tags=["api-keys"], parameters=[OpenApiParameter("prefix", str, "path")])
    def retrieve(self, request, prefix=None):
        return Response(self.get_serializer(self.key(prefix)).data)

    @extend_schema(
        tags=["api-keys"], request=s.ApiKeyRequestSerializer, responses={201: s.NewApiKeySerializer}
    )
    def create(self, request):
        body = json_object(request.data)
        unknown = sorted(set(body) - KEY_FIELDS)
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        if not self.actor.can_write():
            raise NotAllowed(READ_SCOPE_ONLY)
        organization = caller_organization(request, self.actor, body)
        try:
            scopes = keys.parse_scopes(body.get("scopes"))
            if not set(scopes) <= set(self.actor.scopes):
                raise NotAllowed("A key cannot create a key with more scopes than its own.")
            key, raw_key = keys.issue_key(
                self.actor.user,
                organization,
                name=body.get("name") if isinstance(body.get("name"), str) else "",
                scopes=scopes,
                expires_at=keys.expiry_in(body.get("expires_in_days")),
                # A key creating a key: the new one expires no later and dies with it.
                parent=getattr(request, "api_key", None),
            )
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from None
        issued = self.key(key.prefix)
        issued.key = raw_key  # shown in this response only; never stored
        data = s.NewApiKeySerializer(issued).data
        return Response(data, status=status.HTTP_201_CREATED)

    def revoke_key(self, prefix) -> ApiKey:
        key = self.key(prefix)
        require(self.actor, "revoke", key)
        return keys.revoke(key)

    @extend_schema(
        tags=["api-keys"],
        parameters=[OpenApiParameter("prefix", str, "path")],
        responses={204: None},
    )
    def destroy(self, request, prefix=None):
        self.revoke_key(prefix)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=["api-keys"],
        parameters=[OpenApiParameter("prefix", str, "path")],
        request=None,
        responses=s.ApiKeySerializer,
    )
    def revoke(self, request, prefix=None):
        return Response(self.get_serializer(self.revoke_key(prefix)).data)
