"""Pages of the accounts app. Sign-in, sign-out and password change are Django's own views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import OrganizationSwitchForm
from registry.tenancy import Organization, actor_for_request, visible

ACTIVE_ORGANIZATION_SESSION_KEY = "active_organization"


def _safe_next(request, candidate: str | None) -> str:
    """Go back where the form was, but never to another site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "home"


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
    organization = visible(actor, Organization).filter(slug=slug, pk__in=actor.org_ids).first()
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
