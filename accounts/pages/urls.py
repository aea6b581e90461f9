from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.pages import joining, profile, views
from registry.views import reversible

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path(
        "logout/",
        reversible("Signing out ends the session only; the user signs in again.")(
            auth_views.LogoutView.as_view()
        ),
        name="logout",
    ),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("invitations/<str:token>/", joining.invitation, name="invitation"),
    path("profile/", profile.profile, name="profile"),
    path("profile/email/<str:token>/", profile.email_confirm, name="profile-email-confirm"),
    path(
        "switch-organization/",
        views.switch_organization,
        name="switch_organization",
    ),
]
