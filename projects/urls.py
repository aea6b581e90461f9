"""The site's pages (SPEC 7). The accounts app's own pages are under accounts/."""

from django.urls import path

from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
]
