"""The records' routes under /api/v1/ (SPEC 6). Workflow action routes come from
projects.domain.workflow.TRANSITIONS, so a new action gets its route without a change here.
"""

from django.urls import path

from projects.api.feeds import ChangesView, ReviewQueueView
from projects.api.io import IatiExportView, ImportView, export_job_view, export_view
from projects.api.open_data import IatiOrganisationView
from projects.api.participants import ParticipantViewSet
from projects.api.statistics import StatsView
from projects.api.views import ContactViewSet, ProjectViewSet, ZoneViewSet
from projects.api.webhooks import (
    WebhookDeliveriesView,
    WebhookDetailView,
    WebhookListView,
    WebhookReplayView,
)
from projects.domain.workflow import TRANSITIONS
from registry.api import routing  # noqa: F401  (registers the <ident:...> converter)

RECORD_VIEWSETS = {"projects": ProjectViewSet, "zones": ZoneViewSet, "contacts": ContactViewSet}

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
    *[
        path(
            f"{kind}/export-jobs/",
            export_job_view(kind).as_view(),
            {"record_type": kind},
            name=f"api-{kind}-export-jobs",
        )
        for kind in RECORD_VIEWSETS
    ],
    path("projects/export.iati.xml", IatiExportView.as_view(), name="api-projects-export-iati"),
    path(
        "organizations/<slug:slug>/export.iati-org.xml",
        IatiOrganisationView.as_view(),
        name="api-organizations-export-iati-org",
    ),
    *[
        path(
            f"{kind}/export.<str:export_format>",
            export_view(kind).as_view(),
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
    path("webhooks/", WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", WebhookDetailView.as_view(), name="api-webhook"),
    path(
        "webhooks/<int:pk>/deliveries/",
        WebhookDeliveriesView.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhooks/<int:pk>/deliveries/<uuid:event_id>/replay/",
        WebhookReplayView.as_view(),
        name="api-webhook-replay",
    ),
    path("review-queue/", ReviewQueueView.as_view(), name="api-review-queue"),
    path("changes/", ChangesView.as_view(), name="api-changes"),
    path("stats/", StatsView.as_view(), name="api-stats"),
]
