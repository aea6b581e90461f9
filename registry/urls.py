from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from registry import views

handler400 = "registry.views.bad_request"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("accounts.pages.urls")),
    # The pages of my (active) organization: members, API keys, sister-city links.
    path("organization/", include("accounts.pages.organization_urls")),
    # Each app owns its API routes; registry's come last, as they end with the JSON 404.
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/", include("registry.api.urls")),
    # The split view serves its start-up script as a file, which the CSP allows (no inline code).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Organizations apply to join (issue 17): before the directory's /organizations/<slug>/.
    path("organizations/", include("accounts.pages.application_urls")),
    # The site's pages; each app owns its routes.
    path("", include("projects.pages.urls")),
]
