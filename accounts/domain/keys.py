"""API keys (SPEC 6): issuing, authenticating and revoking them.

A key reads `srr_<prefix>_<secret>`. The prefix is public (shown in lists, stored in clear, used
to find the row); only a SHA-256 hash of the whole key is stored, and it is compared in constant
time. The whole key is shown once, when it is issued.

Who may create keys: a signed-in member, for themselves, in one of their organizations; and a
key with the `write` scope, for its own user and organization, with no more scopes than its own.
A key created by a key records its parent (`created_by_key`), expires no later than the parent
and stops working when the parent is revoked or expires. Removing a member revokes their keys
for that organization (accounts.domain.services.remove_membership).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, ApiKeyScope, Membership, Organization
from registry import rls
from registry.multilingual import lazy_format

KEY_SCHEME = "srr"
PREFIX_LENGTH = 8
SECRET_BYTES = 32
# Writing `last_used_at` on every request would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650
_ALPHABET = string.ascii_letters + string.digits


class InvalidKey(Exception):
    """The presented key is malformed, unknown, expired or revoked (answer 401)."""


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _new_prefix() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH))


def parse_scopes(scopes) -> list[str]:
    """'read,write' or ['read'] -> a sorted list of known scopes; refuses unknown or empty."""
    if isinstance(scopes, str):
        scopes = [part.strip() for part in scopes.split(",") if part.strip()]
    if not isinstance(scopes, list | tuple) or not scopes:
        raise ValidationError({"scopes": [_("Give at least one scope: read, write.")]})
    known = set(ApiKeyScope.values)
    unknown = [scope for scope in scopes if not isinstance(scope, str) or scope not in known]
    if unknown:
        raise ValidationError(
            {
                "scopes": [
                    lazy_format(
                        _("Unknown scope(s) %(scopes)s; the scopes are read and write."),
                        scopes=repr(unknown),
                    )
                ]
            }
        )
    return sorted(set(scopes))


def expiry_in(days) -> timezone.datetime | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXPIRY_DAYS:
        raise ValidationError(
            {
                "expires_in_days": [
                    lazy_format(
                        _("Give a whole number of days from 1 to %(days)s."), days=MAX_EXPIRY_DAYS
                    )
                ]
            }
        )
    return timezone.now() + timedelta(days=days)


def bounded_by_parent(expires_at, parent: ApiKey | None):
    """A key created by a key expires no later than its parent (a never-expiring child of an
    expiring parent gets the parent's expiry)."""
    if parent is None or parent.expires_at is None:
        return expires_at
    if expires_at is None:
        return parent.expires_at
    return min(expires_at, parent.expires_at)


def issue_key(user, organization: Organization, *, name: str, scopes, expires_at=None, parent=None):
    """Create a key for `user` in `organization` (they must be a member). -> (ApiKey, raw key).

    `parent`: the key that asks for this one (a key creating a key); the new key is bound to it.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": [_("Give the key a name of 1 to 100 characters.")]})
    scope_list = parse_scopes(scopes)
    is_member = (
        Membership.objects.unscoped("is the key's user a member of the key's organization")
        .filter(user=user, organization=organization)
        .exists()
    )
    if not is_member:
        raise ValidationError(
            {"organization": [f"{user.get_username()} is not a member of {organization.slug}."]}
        )
    if not organization.is_active:
        raise ValidationError(
            {
                "organization": [
                    lazy_format(
                        _("%(organization)s is not active."), organization=organization.slug
                    )
                ]
            }
        )
    if parent is not None:
        if parent.user_id != user.pk or parent.organization_id != organization.pk:
            raise ValidationError(
                {"organization": ["A key creates keys only for its own user and organization."]}
            )
        if not set(scope_list) <= set(parent.scopes):
            raise ValidationError({"scopes": [_("A key cannot give more scopes than its own.")]})
    expires_at = bounded_by_parent(expires_at, parent)
    with transaction.atomic():
        prefix = _new_prefix()
        raw_key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        key = ApiKey.objects.create(
            organization=organization,
            user=user,
            name=name,
            prefix=prefix,
            key_hash=hash_key(raw_key),
            scopes=scope_list,
            expires_at=expires_at,
            created_by_key=parent,
        )
    return key, raw_key


def _split(raw_key: str) -> str:
    """The prefix of a well-formed key, else InvalidKey."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != PREFIX_LENGTH:
        raise InvalidKey("The API key is malformed.")
    if not parts[1].isalnum() or not parts[2]:
        raise InvalidKey("The API key is malformed.")
    return parts[1]


def authenticate(raw_key: str) -> ApiKey:
    """The live key matching `raw_key`, with its user and organization; else InvalidKey."""
    prefix = _split(raw_key)
    # Nobody is known yet: row-level security lets this one key be read and touched by prefix.
    with rls.authenticating_key(prefix):
        key = (
            ApiKey.objects.unscoped("authentication finds a key by its public prefix")
            .select_related("user", "organization")
            .filter(prefix=prefix)
            .first()
        )
        expected = key.key_hash if key is not None else hash_key("no such key")
        # Compare even when no row matched, so timing tells nothing about which prefixes exist.
        if not hmac.compare_digest(expected, hash_key(raw_key)) or key is None:
            raise InvalidKey("The API key is not valid.")
        now = timezone.now()
        _check_live(key, now)
        if not key.user.is_active or not key.organization.is_active:
            raise InvalidKey("The API key's user or organization is no longer active.")
        if key.created_by_key_id is not None:
            # The keys up the chain are named by id, not by a presented prefix.
            with rls.system_context("authentication checks the keys that created this key"):
                _check_ancestors(key, now)
        _touch(key, now)
    return key


def _check_live(key: ApiKey, now, whose: str = "The API key") -> None:
    if key.revoked_at is not None:
        raise InvalidKey(f"{whose} has been revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise InvalidKey(f"{whose} has expired.")


def _check_ancestors(key: ApiKey, now) -> None:
    """A key created by a key dies with it: every key up the chain must still be live."""
    parent_id = key.created_by_key_id
    while parent_id is not None:
        parent = (
            ApiKey.objects.unscoped("authentication checks the key that created this key")
            .filter(pk=parent_id)
            .first()
        )
        if parent is None:
            raise InvalidKey("The key that created this API key no longer exists.")
        _check_live(parent, now, "The key that created this API key")
        parent_id = parent.created_by_key_id


def _touch(key: ApiKey, now) -> None:
    """Record the use, at most once a minute (one conditional UPDATE, no read)."""
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.unscoped("recording the use of the authenticated key").filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION), pk=key.pk
    ).update(last_used_at=now)
    key.last_used_at = now


def revoke(key: ApiKey) -> ApiKey:
    """Revoke the key and every key it created, down the chain (idempotent).

    The caller has checked `require(actor, 'revoke', key)`. Authentication also refuses a key
    whose creator is revoked; marking the descendants too keeps the lists truthful.
    """
    now = timezone.now()
    if key.revoked_at is None:
        key.revoked_at = now
    revoke_all(
        ApiKey.objects.unscoped("revoking a key the caller may revoke").filter(pk=key.pk), now
    )
    return key


def revoke_all(keys_queryset, now=None) -> int:
    """Revoke these keys and the keys they created, down the chain. -> how many were revoked."""
    now = now or timezone.now()
    revoked = 0
    ids = list(keys_queryset.values_list("pk", flat=True))
    seen: set[int] = set()
    while ids:
        seen.update(ids)
        live = ApiKey.objects.unscoped("revoking keys and the keys they created").filter(
            pk__in=ids, revoked_at__isnull=True
        )
        revoked += live.update(revoked_at=now)
        children = ApiKey.objects.unscoped("the keys created by keys being revoked").filter(
            created_by_key_id__in=ids
        )
        ids = [pk for pk in children.values_list("pk", flat=True) if pk not in seen]
    return revoked
