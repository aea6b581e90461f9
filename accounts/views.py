"""Pages of the accounts app. Sign-in, sign-out and password change are Django's own views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.boundary import my_organizations
from accounts.forms import OrganizationSwitchForm
from registry.tenancy import actor_for_request

ACTIVE_ORGANIZATION_SESSION_KEY = "active_organization"


@require_GET
def home(request):
    actor = actor_for_request(request)
    organizations = my_organizations(actor)
    return render(
        request,
        "home.html",
        {
            "my_organizations": organizations,
            "active_organization": active_organization(request, organizations),
        },
    )


def active_organization(request, organizations):
    """The organization the user works for now: their pick (kept in the session) or the first."""
    chosen = (
        request.session.get(ACTIVE_ORGANIZATION_SESSION_KEY)
        if hasattr(request, "session")
        else None
    )
    by_slug = {organization.slug: organization for organization in organizations}
    return by_slug.get(chosen) or next(iter(by_slug.values()), None)


def _safe_next(request, candidate: str | None) -> str:
    """Go back where the form was, but never to another site."""
    return safe_next(request, candidate, "home")


def safe_next(request, candidate: str | None, default: str) -> str:
    """`candidate` if it is an address on this site, else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def refused_page(request, message: str, *, status: int):
    """A refusal as a page: 404 says nothing more than "not found"; 403, 409, 412 say why."""
    return render(
        request, "accounts/refused.html", {"message": message, "status": status}, status=status
    )


@require_POST
@login_required
def switch_organization(request):
    """Make one of my organizations the active one. Someone else's organization is refused."""
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of your organizations."))
        return redirect(_safe_next(request, request.POST.get("next")))
    actor = actor_for_request(request)
    slug = form.cleaned_data["organization"]
    organization = my_organizations(actor).filter(slug=slug).first()
    if organization is None:
        messages.error(
            request,
            _("You are not a member of the organization “%(slug)s”.") % {"slug": slug},
        )
    else:
        request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = organization.slug
        messages.success(
            request,
            _("You now work for %(name)s.") % {"name": organization.display_name},
        )
    return redirect(_safe_next(request, form.cleaned_data.get("next")))


LOCKOUT_STATUS = 429


def locked_out(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: the sign-in page again, saying why it refuses.

    429 with Retry-After. The same answer whether the username or the address is locked out,
    and whether the username exists: it tells an attacker nothing new.
    """
    minutes = settings.LOCKOUT_MINUTES
    message = ngettext(
        "Too many failed sign-in attempts. For your security, signing in is blocked for "
        "%(minutes)d minute. Try again later, or ask your organization's admin for help.",
        "Too many failed sign-in attempts. For your security, signing in is blocked for "
        "%(minutes)d minutes. Try again later, or ask your organization's admin for help.",
        minutes,
    ) % {"minutes": minutes}
    username = (credentials or {}).get("username") or ""
    form = AuthenticationForm(request, initial={"username": username})
    response = render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
        status=LOCKOUT_STATUS,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
