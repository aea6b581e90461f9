"""/accounts/two-factor/ (issue 17): the status of my second factor; enrolment with the key as
text and as a QR code; confirming with a code; ten recovery codes shown once; removal.

A person whose role needs two-factor (MFA_REQUIRED_ROLES) cannot remove it, and is sent here
before anything else until they enrol (accounts.pages.middleware).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.domain import lockout, two_factor
from accounts.pages.signin import locked_out
from registry.views import asks_confirmation, confirm_first


def _page(request, *, status=200, **context):
    user = request.user
    enrolled = two_factor.has_device(user)
    context.update(
        enrolled=enrolled,
        codes_left=two_factor.recovery_codes_left(user) if enrolled else 0,
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
@asks_confirmation
def two_factor_page(request):
    """GET: the page. POST `action`: verify (an older session proves its device), confirm (the
    enrolment), regenerate (new recovery codes, after the confirmation page), remove."""
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
    if action == "regenerate":
        return _regenerate(request)
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


def _regenerate(request):
    """New recovery codes, shown once; the old ones stop working. Only a session that proved a
    device may do it (a code is the key to the account), and only after "Are you sure?"."""
    user = request.user
    if not two_factor.has_device(user):
        return _page(
            request,
            status=400,
            error=_("Two-factor sign-in is off: there are no recovery codes to replace."),
        )
    if not (hasattr(user, "is_verified") and user.is_verified()):
        return _page(
            request,
            status=403,
            error=_("Enter a code from your app first: then you can make new recovery codes."),
        )
    page = confirm_first(
        request,
        title=_("Make new recovery codes?"),
        consequences=[
            _("Your current recovery codes stop working at once, used or not."),
            _("Ten new codes are shown once, on the next page: keep them somewhere safe."),
        ],
        confirm_label=_("Make new recovery codes"),
        cancel_url=reverse("two-factor"),
    )
    if page is not None:
        page["Cache-Control"] = "no-store"
        return page
    return _page(request, codes=two_factor.regenerate_recovery_codes(user), regenerated=True)


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
