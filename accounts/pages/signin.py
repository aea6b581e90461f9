"""Signing in (issue 17): password, then the second factor for those who have one; the lockout
(accounts.domain.lockout) asked before any password or code is checked; password reset.

The session is opened only once every factor is through, so `user_logged_in` (the security log,
the device cookie) means "fully signed in".
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.domain import lockout, reset, two_factor
from accounts.pages.forms import ResetForm
from accounts.pages.shared import with_language
from registry.client import client_address

LOCKOUT_STATUS = 429
PENDING = "two_factor_pending"
# The password step is good for this long while the code is asked.
PENDING_SECONDS = 300


def locked_out(request, username: str, seconds: int, template="registration/login.html"):
    """The sign-in page again, saying why it refuses: 429 with Retry-After.

    The same answer whatever is locked (the username, this device, the address) and whether
    the username exists: it tells a guesser nothing new.
    """
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many failed sign-in attempts. For your security, signing in is blocked for "
        "%(minutes)d minute. Try again later, or ask your organization's admin for help.",
        "Too many failed sign-in attempts. For your security, signing in is blocked for "
        "%(minutes)d minutes. Try again later, or ask your organization's admin for help.",
        minutes,
    ) % {"minutes": minutes}
    form = AuthenticationForm(request, initial={"username": username})
    response = render(
        request,
        template,
        {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
        status=LOCKOUT_STATUS,
    )
    response["Retry-After"] = str(seconds)
    return response


def complete_sign_in(request, user, redirect_to: str, device=None):
    """Open the session (after every factor), leave the device cookie, and go on — to the
    enrolment page first when the person's role needs two-factor and they have none.

    The site switches to the person's saved language (User.language, set on their profile):
    it wins over a language picked before signing in, which was a guess about a visitor."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    lockout.note_success(request, user.get_username())
    if two_factor.required_for(user) and not two_factor.has_device(user):
        redirect_to = reverse("two-factor")
    response = with_language(request, redirect(redirect_to), user.language)
    lockout.set_device_cookie(response, request, user.get_username())
    return response


class SignInView(auth_views.LoginView):
    """Django's sign-in page, asking the lockout first and counting each failure."""

    def post(self, request, *args, **kwargs):
        username = str(request.POST.get("username", ""))[:150]
        wait = lockout.refusal(request, username)
        if wait:
            return locked_out(request, username, wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username = str(self.request.POST.get("username", ""))[:150]
        if username and self.request.POST.get("password"):
            wait = lockout.note_failure(self.request, username)
            if wait:
                return locked_out(self.request, username, wait)
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_device(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "next": self.get_success_url(),
                "at": time.time(),
            }
            return redirect("two-factor-verify")
        return complete_sign_in(self.request, user, self.get_success_url())


def _pending_user(request):
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, ""
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending.get("next") or settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_verify(request):
    """The second step: a code from the app or a recovery code. Wrong codes count as failures."""
    user, next_url = _pending_user(request)
    if user is None:
        return redirect("login")
    template = "registration/two_factor_verify.html"
    error = ""
    if request.method == "POST":
        username = user.get_username()
        wait = lockout.refusal(request, username)
        if wait:
            return locked_out(request, username, wait)
        device = two_factor.verify(user, request.POST.get("code", ""))
        if device is not None:
            request.session.pop(PENDING, None)
            return complete_sign_in(request, user, next_url, device)
        wait = lockout.note_failure(request, username)
        if wait:
            request.session.pop(PENDING, None)
            return locked_out(request, username, wait)
        error = _("That code is not right. Try the current code from your app, or a recovery code.")
    return render(request, template, {"error": error}, status=400 if error else 200)


# --- Password reset (Django's views, the site's templates) -----------------------------------


class ResetRequestView(auth_views.PasswordResetView):
    """The same answer whether or not the address has an account (Django's form already does),
    and whether or not the hourly limit (accounts.domain.reset) let a message leave."""

    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")
    form_class = ResetForm

    def form_valid(self, form):
        if reset.request_allowed(client_address(self.request), form.cleaned_data["email"]):
            return super().form_valid(form)
        return redirect(self.get_success_url())


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A completed reset proves the person: the username's lockout ends.
        lockout.forgive(form.user.get_username())
        return response
