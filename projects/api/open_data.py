"""Open-data faces of the API (issue 20): an organization's IATI organisation file."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from accounts.domain.boundary import access_organization
from projects.io import iati
from registry.api.base import RegistryViewMixin


class IatiOrganisationView(RegistryViewMixin, APIView):
    """An organization as an IATI 2.03 organisation file (iati-organisations)."""

    @extend_schema(
        tags=["organizations"],
        parameters=[OpenApiParameter("slug", str, "path")],
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="iati-organisations, IATI Standard 2.03"
            )
        },
        description="The organization's IATI organisation file (identifier, names, reporting "
        "organisation); valid against iati-organisations-schema.xsd.",
    )
    def get(self, request, slug):
        organization = access_organization(self.actor, slug)
        response = HttpResponse(iati.organisation_document(organization), "application/xml")
        response["Content-Disposition"] = (
            f'attachment; filename="{iati.organisation_filename(organization)}"'
        )
        return response
