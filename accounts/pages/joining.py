"""Pages by which people join (issue 17): the invitation link.

The faces parse and answer; the rules live in accounts.domain.invitations.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.domain import invitations
from accounts.pages.forms import InvitationSignUpForm, add_service_errors
from accounts.pages.views import ACTIVE_ORGANIZATION_SESSION_KEY, refused_page
from registry.errors import DomainError

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _joined(request, invitation):
    request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = invitation.organization.slug
    messages.success(
        request,
        _("Welcome: you are now a member of %(name)s (%(role)s).")
        % {
            "name": invitation.organization.display_name,
            "role": invitation.get_role_display(),
        },
    )
    return redirect("dashboard")


def _sign_up(request, token: str, form: InvitationSignUpForm):
    """A new account from the form, then the invitation accepted and the person signed in."""
    data = form.cleaned_data
    try:
        invitation, user = invitations.accept_as_new_user(
            token, data["username"], data["password1"], get_language()
        )
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {}
        if "password" in by_field:
            form.add_error("password1", by_field.pop("password"))
            error = ValidationError(by_field) if by_field else None
        if error is not None:
            add_service_errors(form, error)
        return None
    login(request, user, backend=MODEL_BACKEND)
    return _joined(request, invitation)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request, token: str):
    """The link of an invitation e-mail: accept (signed in), or create an account and accept."""
    try:
        found = invitations.presented(token)
        form = InvitationSignUpForm(
            request.POST if request.method == "POST" and not request.user.is_authenticated else None
        )
        if request.method == "POST":
            if request.user.is_authenticated:
                return _joined(request, invitations.accept(token, request.user))
            if form.is_valid():
                answer = _sign_up(request, token, form)
                if answer is not None:
                    return answer
    except invitations.InvitationInvalid as error:
        context = {"message": error.message}
        return render(request, "accounts/invitation_invalid.html", context, status=error.status)
    except DomainError as error:
        return refused_page(request, error.message, status=error.status)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect("invitation", token=token)
    status = 400 if form.is_bound and form.errors else 200
    context = {"invitation": found, "form": form}
    return render(request, "accounts/invitation.html", context, status=status)
