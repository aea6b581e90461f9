"""People whose role needs two-factor sign-in (MFA_REQUIRED_ROLES) enrol before anything else.

A signed-in session of such a person that has not passed a second factor reaches only the
two-factor pages, sign-out and the language switch; any other page sends them to enrolment
(or to the code, when they have a device), and the API refuses the session with 403. API keys
are not touched: a request with an Authorization header is the key's business.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.domain import two_factor
from registry.api.errors import error_body

OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/i18n/", "/static/")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_enrol(request):
            if request.path_info.startswith("/api/"):
                detail = _("Your role needs two-factor sign-in. Set it up first.")
                return JsonResponse(error_body(detail, "two_factor_required"), status=403)
            return redirect("two-factor")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request) -> bool:
        if not two_factor.required_roles() or request.META.get("HTTP_AUTHORIZATION"):
            return False
        if request.path_info.startswith(OPEN_PREFIXES):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        verified = getattr(user, "is_verified", None)
        if verified is not None and verified():
            return False
        return two_factor.required_for(user)
