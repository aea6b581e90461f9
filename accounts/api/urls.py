"""The accounts app's routes under /api/v1/ (SPEC 6): organizations, sister-city links, API keys."""

from django.urls import path

from accounts.api.views import ApiKeyViewSet, OrganizationViewSet, SisterCityLinkViewSet
from registry.api import routing  # noqa: F401  (registers the <ident:...> converter)

urlpatterns = [
    path(
        "organizations/",
        OrganizationViewSet.as_view({"get": "list"}),
        name="api-organizations-list",
    ),
    path(
        "organizations/<slug:slug>/",
        OrganizationViewSet.as_view({"get": "retrieve"}),
        name="api-organizations-detail",
    ),
    path(
        "sister-city-links/",
        SisterCityLinkViewSet.as_view({"get": "list", "post": "create"}),
        name="api-sister-city-links-list",
    ),
    *[
        path(
            f"sister-city-links/<int:pk>/{answer}/",
            SisterCityLinkViewSet.as_view({"post": answer}),
            name=f"api-sister-city-links-{answer}",
        )
        for answer in ("accept", "decline", "end")
    ],
    path(
        "sister-city-links/<int:pk>/",
        SisterCityLinkViewSet.as_view({"get": "retrieve"}),
        name="api-sister-city-links-detail",
    ),
    path(
        "api-keys/",
        ApiKeyViewSet.as_view({"get": "list", "post": "create"}),
        name="api-keys-list",
    ),
    path(
        "api-keys/<ident:prefix>/",
        ApiKeyViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="api-keys-detail",
    ),
    path(
        "api-keys/<ident:prefix>/revoke/",
        ApiKeyViewSet.as_view({"post": "revoke"}),
        name="api-keys-revoke",
    ),
]
