"""Organizations apply to join (issue 17). Mounted at /organizations/ by registry/urls.py,
before the organization directory's `<slug>/` routes."""

from django.urls import path

from accounts.pages import applications

urlpatterns = [
    path("apply/", applications.apply, name="organization-apply"),
    path("applications/<int:pk>/", applications.application, name="organization-application"),
    path(
        "applications/<int:pk>/approve/",
        applications.application_approve,
        name="organization-application-approve",
    ),
    path(
        "applications/<int:pk>/decline/",
        applications.application_decline,
        name="organization-application-decline",
    ),
]
