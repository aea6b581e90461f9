"""The routes of /api/v1/ (SPEC 6). Workflow action routes come from projects.workflow.TRANSITIONS.

Every route is named `api-...`; tests/api/test_routes.py walks them and fails for one without a
test.
"""

from django.urls import path, re_path, register_converter
from django.urls.converters import StringConverter
from drf_spectacular.views import SpectacularAPIView

from accounts.api.views import ApiKeyViewSet, OrganizationViewSet, SisterCityLinkViewSet
from projects.api.feeds import ChangesView, ReviewQueueView, StatsView
from projects.api.io import ExportView, IatiExportView, ImportView
from projects.api.participants import ParticipantViewSet
from projects.api.views import ContactViewSet, ProjectViewSet, ZoneViewSet
from projects.workflow import TRANSITIONS
from registry.api import schema  # noqa: F401  (registers the bearer scheme with drf-spectacular)
from registry.api.errors import not_found
from registry.api.views import ApiRootView

RECORD_VIEWSETS = {"projects": ProjectViewSet, "zones": ZoneViewSet, "contacts": ContactViewSet}


class IdentifierConverter(StringConverter):
    """A record identifier or key prefix: letters, digits, '.', '_', '-' (anything else: 404)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"


register_converter(IdentifierConverter, "ident")

# The URL spelling of an action: request_changes -> request-changes (SPEC 6).
ACTION_SLUGS = {name: name.replace("_", "-") for name in TRANSITIONS}


def record_routes(record_type: str, viewset) -> list:
    item = f"{record_type}/<ident:identifier>/"
    routes = [
        path(
            f"{record_type}/",
            viewset.as_view({"get": "list", "post": "create"}),
            name=f"api-{record_type}-list",
        ),
        path(
            item,
            viewset.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
            name=f"api-{record_type}-detail",
        ),
        path(
            f"{item}history/",
            viewset.as_view({"get": "history"}),
            name=f"api-{record_type}-history",
        ),
    ]
    for name, slug in ACTION_SLUGS.items():
        routes.append(
            path(
                f"{item}{slug}/",
                viewset.as_view({"post": "transition"}, transition_name=name),
                name=f"api-{record_type}-{slug}",
            )
        )
    return routes


participants = "projects/<ident:identifier>/participants/"

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
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
    # Data in and out (SPEC 8), before the record routes: `import` is not an identifier.
    *[
        path(
            f"{kind}/import/",
            ImportView.as_view(),
            {"record_type": kind},
            name=f"api-{kind}-import",
        )
        for kind in RECORD_VIEWSETS
    ],
    path("projects/export.iati.xml", IatiExportView.as_view(), name="api-projects-export-iati"),
    *[
        path(
            f"{kind}/export.<str:export_format>",
            ExportView.as_view(),
            {"record_type": kind},
            name=f"api-{kind}-export",
        )
        for kind in RECORD_VIEWSETS
    ],
    *[route for kind, viewset in RECORD_VIEWSETS.items() for route in record_routes(kind, viewset)],
    path(
        participants,
        ParticipantViewSet.as_view({"get": "list", "post": "create"}),
        name="api-participants-list",
    ),
    path(
        f"{participants}<int:pk>/confirm/",
        ParticipantViewSet.as_view({"post": "confirm"}),
        name="api-participants-confirm",
    ),
    path(
        f"{participants}<int:pk>/decline/",
        ParticipantViewSet.as_view({"post": "decline"}),
        name="api-participants-decline",
    ),
    path("review-queue/", ReviewQueueView.as_view(), name="api-review-queue"),
    path("changes/", ChangesView.as_view(), name="api-changes"),
    path("stats/", StatsView.as_view(), name="api-stats"),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", not_found, name="api-not-found"),
]
