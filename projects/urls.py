"""The site's pages (SPEC 7). The accounts app's own pages are under accounts/."""

from django.urls import include, path

from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    # Imports and exports of the record lists; before any record page (`import` and
    # `export.csv` are not identifiers).
    path("", include("projects.io.urls")),
    path("", include("projects.work_urls")),
]
