from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.pages import joining, profile, signin, two_factor, views
from registry.views import reversible

urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("two-factor/verify/", signin.two_factor_verify, name="two-factor-verify"),
    path("two-factor/", two_factor.two_factor_page, name="two-factor"),
    path("password/reset/", signin.ResetRequestView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        signin.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
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
