"""Signed-in callers for bench/run.py (issue 21): a session and an API key of the largest
organization's editor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_10k REDIS_URL=redis://127.0.0.1:6379/12 \
        SECRET_KEY=... .venv/bin/python -m bench.callers

Run with the servers' SECRET_KEY and REDIS_URL (the session is stored as the server stores it:
with Redis, `cached_db` writes it to the cache and to django_session). Prints one JSON object:
the organization (the one with the most projects), the editor, the session cookie's name and
value, and the plain text of a new read-only key named "bench". Earlier "bench" keys of that
editor are revoked, so the benchmark can run again and again on the same database.
"""

from __future__ import annotations

import json
import os
import sys

KEY_NAME = "bench"


def largest_organization() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organization_id, count(*) FROM projects_project "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        return cursor.fetchone()[0]


def make_callers() -> dict:
    """The session and a new read key of the largest organization's editor (see above)."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from accounts.domain import two_factor
    from accounts.domain.keys import issue_key
    from accounts.models import ApiKey, ApiKeyScope, Membership
    from registry.rls import system_context

    organization_id = largest_organization()
    with system_context("bench: the signed-in callers of the benchmark"):
        membership = (
            Membership.objects.unscoped("bench")
            .filter(organization_id=organization_id, role="editor")
            .select_related("user", "organization")
            .order_by("id")
            .first()
        )
        if membership is None:
            raise SystemExit(f"organization {organization_id} has no editor")
        user, organization = membership.user, membership.organization
        if two_factor.required_for(user):
            # The session would be sent to two-factor enrolment; an editor never should be.
            raise SystemExit(f"{user} needs two-factor sign-in (MFA_REQUIRED_ROLES)")
        ApiKey.objects.unscoped("bench").filter(
            user=user, organization=organization, name=KEY_NAME, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        _, raw_key = issue_key(user, organization, name=KEY_NAME, scopes=[ApiKeyScope.READ])
        # What django.contrib.auth.login stores, through the configured session engine.
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "organization": organization_id,
        "organization_slug": organization.slug,
        "user": user.get_username(),
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "session": session,
        "api_key": raw_key,
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()
    json.dump(make_callers(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
