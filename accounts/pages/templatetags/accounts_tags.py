"""Template tags for the page header: my organizations, the active one and my role in it."""

from django import template

from accounts.domain.boundary import my_organizations
from accounts.models import ApiKeyScope
from accounts.pages.shared import active_organization
from registry.tenancy import MembershipRole, actor_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def organization_context(context) -> dict:
    """{"memberships": [(organization, role)], "active": organization, "active_role": role}.

    Computed once per request; the header and the home page both use it.
    """
    request = context.get("request")
    if request is None:
        return {"memberships": [], "active": None, "active_role": None}
    cached = getattr(request, "_organization_context", None)
    if cached is not None:
        return cached
    actor = actor_for_request(request)
    organizations = list(my_organizations(actor))
    active = active_organization(request, organizations)
    result = {
        "memberships": [(org, actor.role_in(org.pk)) for org in organizations],
        "active": active,
        "active_role": actor.role_in(active.pk) if active is not None else None,
    }
    request._organization_context = result
    return result


@register.filter
def scope_names(scopes) -> str:
    """An API key's scopes in the reader's language ("read, write" -> "读取, 写入")."""
    known = dict(ApiKeyScope.choices)
    return ", ".join(str(known.get(scope, scope)) for scope in scopes or [])


@register.filter
def role_name(role) -> str:
    """A membership role ("editor") as the word in the reader's language (its vocabulary)."""
    return str(MembershipRole(role).label) if role in MembershipRole.values else str(role or "")
