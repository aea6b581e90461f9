from django.urls import path

from bench.b1_naive import views

urlpatterns = [
    path(
        "api/v1/projects/",
        views.ProjectViewSet.as_view({"get": "list"}),
        name="b1-projects-list",
    ),
    path(
        "api/v1/projects/<str:identifier>/",
        views.ProjectViewSet.as_view({"get": "retrieve"}),
        name="b1-projects-detail",
    ),
    path("api/v1/changes/", views.ChangesView.as_view(), name="b1-changes"),
]
