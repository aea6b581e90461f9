"""The API's front door: links to every collection."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from registry.api.base import RegistryViewMixin

ROUTE_NAMES = {
    "organizations": "api-organizations-list",
    "sister-city-links": "api-sister-city-links-list",
    "projects": "api-projects-list",
    "zones": "api-zones-list",
    "contacts": "api-contacts-list",
    "review-queue": "api-review-queue",
    "changes": "api-changes",
    "stats": "api-stats",
    "api-keys": "api-keys-list",
    "schema": "api-schema",
}


class ApiRootView(RegistryViewMixin, APIView):
    @extend_schema(
        tags=["registry"],
        responses=inline_serializer(
            "ApiRoot", {name: serializers.URLField() for name in ROUTE_NAMES}
        ),
    )
    def get(self, request):
        return Response(
            {name: reverse(route, request=request) for name, route in ROUTE_NAMES.items()}
        )
