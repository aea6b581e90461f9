"""Type-ahead suggestions for the record forms (issue 18): zones, projects and organizations
whose names, in any language, or identifiers contain what was typed.

Rows come from `tenancy.visible`, so a suggestion is never a record the person may not see:
another organization's drafts stay out, as everywhere else (SPEC 3).
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.lookups import IContains

from accounts.models import Organization
from projects.models import Project, Zone
from projects.reads.filtersets import search_text, text_search
from registry.multilingual import pick
from registry.tenancy import Actor, visible

KINDS = ("zones", "projects", "organizations")
LIMIT = 10
MIN_LENGTH = 1
MAX_LENGTH = 100


def suggestions(actor: Actor, kind: str, typed: str) -> list[dict]:
    """Up to LIMIT {value, label, detail} for `typed`; [] for an unknown kind or empty text."""
    # Control characters (a NUL cannot even reach PostgreSQL) are no part of a name.
    typed = "".join(char for char in (typed or "") if char.isprintable()).strip()[:MAX_LENGTH]
    if kind not in KINDS or len(typed) < MIN_LENGTH:
        return []
    if kind == "organizations":
        return _organizations(actor, typed)
    model = Zone if kind == "zones" else Project
    # The catalogue's own search (identifier, title, words), so both find the same records.
    rows = (
        text_search(visible(actor, model), typed)
        .select_related("organization")
        .order_by("identifier")[:LIMIT]
    )
    return [
        {
            "value": record.identifier,
            "label": record.display_title,
            "detail": f"{record.identifier} · {record.organization.display_name}",
        }
        for record in rows
    ]


def _organizations(actor: Actor, typed: str) -> list[dict]:
    rows = (
        visible(actor, Organization)
        .filter(is_active=True)
        .filter(
            Q(slug__icontains=typed)
            # The name's text values, on either database (SQLite stores JSON escaped).
            | Q(IContains(search_text("name"), typed))
            | Q(identifier_prefix__icontains=typed)
        )
        .order_by("slug")[:LIMIT]
    )
    return [
        {"value": org.slug, "label": pick(org.name) or org.slug, "detail": org.slug} for org in rows
    ]
