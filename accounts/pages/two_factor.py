"""/accounts/two-factor/ (issue 17): the status of my second factor; enrolment with the key as
text and as a QR code; confirming with a code; ten recovery codes shown once; removal.

A person whose role needs two-factor (MFA_REQUIRED_ROLES) cannot remove it, and is sent here
before anything else until they enrol (accounts.pages.middleware).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.domain import lockout, two_factor
from accounts.pages.signin import locked_out


def _page(request, *, status=200, **context):
    user = request.user
    enrolled = two_factor.has_device(user)
    context.update(
        enrolled=enrolled,
        verified=user.is_verified() if hasattr(user, "is_verified") else False,
        required=two_factor.required_for(user),
    )
    if not enrolled and "codes" not in context:
        device = two_factor.pending_device(user)
        uri = two_factor.otpauth_uri(device)
        # The SVG is drawn here from our own URI (qrcode escapes nothing a person typed).
        context.update(
            secret=two_factor.secret_text(device), uri=uri, qr=mark_safe(two_factor.qr_svg(uri))
        )  # noqa: S308
    response = render(request, "accounts/two_factor.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_page(request):
    user = request.user
    if request.method != "POST":
        return _page(request)
    action = request.POST.get("action")
    if action == "verify":
        return _verify(request)
    if action == "confirm":
        codes = two_factor.confirm(user, request.POST.get("code", ""))
        if codes is None:
            return _page(
                request,
                status=400,
                error=_("That code is not right. Enter the six digits your app shows now."),
            )
        device = two_factor.verify_enrolled(user)
        if device is not None:
            otp_login(request, device)
        return _page(request, codes=codes)
    if action == "remove":
        if two_factor.required_for(user):
            return _page(
                request,
                status=403,
                error=_("Your role needs two-factor sign-in: it cannot be removed."),
            )
        if request.POST.get("confirm") != "yes":
            return _page(
                request,
                status=400,
                error=_("Tick the box to confirm that two-factor sign-in should be removed."),
            )
        two_factor.remove(user)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("two-factor")
    return _page(request, status=400, error=_("Choose an action on this page."))


def _verify(request):
    """A signed-in session that has a device but has not used it (an older session) proves it
    here; wrong codes count toward the lockout like any other failure."""
    user = request.user
    username = user.get_username()
    wait = lockout.refusal(request, username)
    if wait:
        return locked_out(request, username, wait)
    device = two_factor.verify(user, request.POST.get("code", ""))
    if device is None:
        lockout.note_failure(request, username)
        return _page(request, status=400, error=_("That code is not right."))
    otp_login(request, device)
    return redirect("two-factor")
