"""The shared routes of /api/v1/ (SPEC 6): the front door, the schema, and the JSON 404.

Each app owns its API routes (accounts/api/urls.py, projects/api/urls.py); the root URLconf
includes them before these, so that the catch-all below comes last. Every route is named
`api-...`; tests/projects/api/test_routes.py walks them and fails for one without a test.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from registry.api.errors import not_found
from registry.api.jobs import JobFileView, JobView
from registry.api.views import ApiRootView

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("jobs/<int:pk>/", JobView.as_view(), name="api-job"),
    path("jobs/<int:pk>/file/", JobFileView.as_view(), name="api-job-file"),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^[\s\S]*$", not_found, name="api-not-found"),  # a newline too
]
