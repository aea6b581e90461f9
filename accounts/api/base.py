"""What the API views of both apps share about organizations: the one a write acts for."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from registry.tenancy import Actor, visible


def caller_organization(request, actor: Actor, body: dict | None = None) -> Organization:
    """The organization a write acts for: the API key's, else `?organization=` or the first org
    where the user edits. A body naming another organization is refused (SPEC 3: the server
    sets ownership from the request's context)."""
    api_key = getattr(request, "api_key", None)
    allowed = [api_key.organization_id] if api_key is not None else sorted(actor.org_ids)
    organizations = {org.slug: org for org in visible(actor, Organization).filter(pk__in=allowed)}
    chosen = request.query_params.get("organization")
    if chosen is not None and chosen not in organizations:
        raise ValidationError({"organization": [f"You do not act for an organization {chosen!r}."]})
    named = (body or {}).get("organization")
    if named is not None:
        if not isinstance(named, str) or named not in organizations or (chosen and named != chosen):
            raise ValidationError(
                {"organization": ["The organization is the caller's; a body may not name another."]}
            )
        chosen = named
    if chosen:
        return organizations[chosen]
    editing = [org for org in organizations.values() if actor.is_at_least("editor", org.pk)]
    candidates = editing or list(organizations.values())
    if not candidates:
        raise exceptions.PermissionDenied("You are not a member of any organization.")
    return sorted(candidates, key=lambda org: org.slug)[0]
