"""My profile (issue 17): name, e-mail (confirmed by a link to the new address), language;
the password is changed on Django's page (/accounts/password/), two-factor on its own pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.domain import profile as profiles
from accounts.pages.forms import ProfileForm, add_service_errors
from accounts.pages.shared import with_language


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profiles.update_profile(
                user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
            )
            if data["email"].lower() != (user.email or "").lower():
                profiles.request_email_change(
                    user,
                    data["email"],
                    lambda token: request.build_absolute_uri(
                        reverse("profile-email-confirm", args=[token])
                    ),
                )
                messages.info(
                    request,
                    _("We sent a link to %(email)s: your address changes once you open it.")
                    % {"email": data["email"]},
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return with_language(request, redirect("profile"), data["language"])
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_confirm(request, token: str):
    """GET asks, POST changes the address (a link opened by a mail scanner changes nothing)."""
    if request.method == "POST":
        try:
            profiles.confirm_email_change(request.user, token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Your e-mail address is now %(email)s.") % {"email": request.user.email}
            )
        return redirect("profile")
    return render(request, "accounts/email_confirm.html", {})
