"""Pages of my (active) organization: members, API keys, sister-city links (issue 8).
Mounted at /organization/ by registry/urls.py."""

from django.urls import path

from accounts.pages import views

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:user_id>/role/", views.member_role, name="member-role"),
    path("members/<int:user_id>/remove/", views.member_remove, name="member-remove"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("keys/", views.api_keys, name="api-keys"),
    path("keys/<str:prefix>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path("sister-cities/", views.sister_cities, name="sister-cities"),
    path(
        "sister-cities/<int:pk>/<str:answer>/",
        views.sister_city_answer,
        name="sister-city-answer",
    ),
]
