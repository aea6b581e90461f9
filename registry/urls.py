from django.contrib import admin
from django.urls import include, path

from registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
