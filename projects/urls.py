"""The site's pages (SPEC 7). The accounts app's own pages are under accounts/."""

from django.urls import include, path

from projects import views
from registry.api import routing  # noqa: F401  (registers the `ident` converter)

urlpatterns = [
    path("", views.home, name="home"),
    # Imports and exports of the record lists; before any record page (`import` and
    # `export.csv` are not identifiers).
    path("", include("projects.io.urls")),
    # Signed-in pages (issue 8); before the record pages, so that `/projects/new/` is never
    # read as an identifier.
    path("", include("projects.work_urls")),
    # Public pages (issue 8): catalogues, detail pages, map, statistics, organizations.
    path("projects/", views.project_list, name="project-list"),
    path("projects/<ident:identifier>/", views.project_detail, name="project-detail"),
    path("zones/", views.zone_list, name="zone-list"),
    path("zones/<ident:identifier>/", views.zone_detail, name="zone-detail"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/<ident:identifier>/", views.contact_detail, name="contact-detail"),
    path("map/", views.map_page, name="map"),
    path("stats/", views.stats, name="stats"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
]
