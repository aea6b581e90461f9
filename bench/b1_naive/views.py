"""The naive peer's views: ModelViewSet + ModelSerializer + PageNumberPagination."""

import django_filters
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, generics, serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from projects.choices import PUBLIC_STATES
from projects.models import AuditEntry, Participation, Project, Zone

REASON = "B1 benchmark: the public rows, as a plain DRF app would filter them"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class Plain:
    """The classes set on the views themselves, so they do not depend on the settings module."""

    pagination_class = Pagination
    renderer_classes = [JSONRenderer]
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []


class ParticipantSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(
        source="participant", slug_field="slug", read_only=True
    )

    class Meta:
        model = Participation
        fields = ("id", "organization", "role", "status", "created_at", "responded_at")


class ProjectSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="b1-projects-detail", lookup_field="identifier"
    )
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    zones = serializers.SlugRelatedField(many=True, slug_field="identifier", read_only=True)
    participants = ParticipantSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = Project
        fields = (
            "identifier",
            "url",
            "organization",
            "workflow_state",
            "version",
            "created_at",
            "updated_at",
            "published_at",
            "confirmed_at",
            "completeness",
            "title",
            "summary",
            "description",
            "category",
            "lifecycle_status",
            "countries",
            "tags",
            "planned_start",
            "actual_start",
            "planned_end",
            "actual_end",
            "locations",
            "zones",
            "budget_amount",
            "budget_currency",
            "website",
            "documents",
            "expected_outcomes",
            "participants",
        )


class ProjectFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(method="filter_country")

    class Meta:
        model = Project
        fields = ("category", "lifecycle_status")

    def filter_country(self, queryset, name, value):
        return queryset.filter(countries__contains=[value])


class Search(filters.SearchFilter):
    search_param = "q"


class ProjectViewSet(Plain, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProjectSerializer
    lookup_field = "identifier"
    filter_backends = [DjangoFilterBackend, Search]
    filterset_class = ProjectFilter
    search_fields = ["identifier", "title", "summary"]

    def get_queryset(self):
        return (
            Project.objects.unscoped(REASON)
            .filter(workflow_state__in=PUBLIC_STATES)
            .select_related("organization")
            .prefetch_related(
                Prefetch("zones", queryset=Zone.objects.unscoped(REASON)),
                Prefetch(
                    "participations",
                    queryset=Participation.objects.unscoped(REASON).select_related("participant"),
                ),
            )
            .order_by("identifier")
        )


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = (
            "id",
            "action",
            "content_type",
            "object_id",
            "identifier",
            "version",
            "created_at",
        )


class ChangesView(Plain, generics.ListAPIView):
    """The naive feed: public events in id order, page numbers; no visibility check."""

    serializer_class = AuditEntrySerializer

    def get_queryset(self):
        return (
            AuditEntry.objects.unscoped(REASON)
            .filter(action__in=("approve", "archive"))
            .order_by("id")
        )
