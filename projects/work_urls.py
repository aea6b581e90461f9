"""Routes of the signed-in record pages (issue 8). Included by projects/urls.py before the
catalogue's `/projects/<identifier>/`, so that `/projects/new/` is never read as an identifier."""

from django.urls import include, path

# The `ident` and `record_type` converters are registered by these modules.
import projects.io.urls  # noqa: F401
import registry.api.routing  # noqa: F401
from projects import work_views as views

RECORD = "<record_type:record_type>/<ident:identifier>"

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    # The accounts app's pages of my organization (members, API keys, sister cities).
    path("organization/", include("accounts.organization_urls")),
    path("projects/new/", views.record_create, {"record_type": "projects"}, name="project-create"),
    path("zones/new/", views.record_create, {"record_type": "zones"}, name="zone-create"),
    path("contacts/new/", views.record_create, {"record_type": "contacts"}, name="contact-create"),
    path(
        "projects/<ident:identifier>/edit/",
        views.record_edit,
        {"record_type": "projects"},
        name="project-edit",
    ),
    path(
        "zones/<ident:identifier>/edit/",
        views.record_edit,
        {"record_type": "zones"},
        name="zone-edit",
    ),
    path(
        "contacts/<ident:identifier>/edit/",
        views.record_edit,
        {"record_type": "contacts"},
        name="contact-edit",
    ),
    path(
        "projects/<ident:identifier>/participants/",
        views.participant_add,
        name="project-participant-add",
    ),
    path(
        "projects/<ident:identifier>/participants/<int:pk>/<str:answer>/",
        views.participation_answer,
        name="participation-answer",
    ),
    path(f"{RECORD}/actions/<str:action>/", views.record_action, name="record-action"),
    path(f"{RECORD}/revision/discard/", views.discard_revision, name="record-discard-revision"),
    path(f"{RECORD}/delete/", views.record_delete, name="record-delete"),
    path(f"{RECORD}/review/", views.record_review, name="record-review"),
    path(f"{RECORD}/history/", views.record_history, name="record-history"),
]
