"""The statistics endpoint; the figures come from projects.reads.statistics."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.reads.statistics import statistics
from registry.api.base import RegistryViewMixin


class StatsView(RegistryViewMixin, APIView):
    """Counts of what the caller can see, by state, category or kind, and organization.

    Each record type also carries `by_freshness` and `average_completeness`, and the same per
    organization (`freshness_by_organization`, `completeness_by_organization`); SPEC 5.
    """

    @extend_schema(
        tags=["registry"],
        responses=inline_serializer(
            "Stats",
            {
                "projects": serializers.DictField(),
                "zones": serializers.DictField(),
                "contacts": serializers.DictField(),
                "organizations": serializers.IntegerField(),
                "sister_city_links": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request):
        return Response(statistics(self.actor))
