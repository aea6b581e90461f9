"""What the pages of every app share: the organization a person works for now, where a form may
send them back to, and a refusal as a page. The projects' pages import these, not the account
pages' views.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

ACTIVE_ORGANIZATION_SESSION_KEY = "active_organization"


def active_organization(request, organizations):
    """The organization the user works for now: their pick (kept in the session) or the first."""
    chosen = (
        request.session.get(ACTIVE_ORGANIZATION_SESSION_KEY)
        if hasattr(request, "session")
        else None
    )
    by_slug = {organization.slug: organization for organization in organizations}
    return by_slug.get(chosen) or next(iter(by_slug.values()), None)


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


def with_language(request, response, language: str):
    """The site speaks `language` from now on: the language switcher's cookie on `response`, and
    this request's own words (messages added after this point) in it too. An unknown code is
    ignored: the site keeps the language it had."""
    if language not in dict(settings.LANGUAGES):
        return response
    translation.activate(language)
    request.LANGUAGE_CODE = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response
