"""Security events (sign-ins, failed sign-ins, lockouts) and the API-key lockout per address.

`record_event` is the one writer of accounts.SecurityEvent, an append-only log. Sign-in events
come from Django's auth signals (connected in AccountsConfig) and from the sign-in lockout
(accounts.domain.lockout); the API's key authentication calls `note_key_failure` here.

API keys have no username, so their failures are counted per address here, in Django's cache
(Redis when REDIS_URL is set, so every app server shares the counts), with the same limits:
LOCKOUT_FAILURES failures within LOCKOUT_MINUTES lock the address out for LOCKOUT_MINUTES.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

from accounts.models import SecurityEvent, SecurityEventKind
from registry.client import client_address


def record_event(kind: str, request=None, *, user=None, username: str = "", detail: str = ""):
    """Append one security event; what is not known stays empty. Fields are cut to size."""
    if user is not None and not username:
        username = user.get_username()
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=str(username or "")[:150],
        address=client_address(request)[:64] if request is not None else "",
        path=(getattr(request, "path", "") or "")[:200],
        detail=str(detail or "")[:300],
    )


# --- Sign-in events (Django's signals) ----------------------------------------


@receiver(user_logged_in, dispatch_uid="accounts.domain.security.signed_in")
def _signed_in(sender, request, user, **kwargs):
    record_event(SecurityEventKind.LOGIN, request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.domain.security.sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    record_event(SecurityEventKind.LOGIN_FAILED, request, username=credentials.get("username"))


# --- API keys: failures per address ------------------------------------------------------------


def _failures_key(address: str) -> str:
    return f"lockout:api-key:failures:{address}"


def _until_key(address: str) -> str:
    return f"lockout:api-key:until:{address}"


def key_lockout_remaining(request) -> int:
    """Seconds until this address may present API keys again; 0 when it is not locked out."""
    until = cache.get(_until_key(client_address(request)))
    return max(0, int(until - time.time()) + 1) if until else 0


def note_key_failure(request, detail: str) -> int:
    """Count a refused key from this address; lock the address out at the limit.

    -> seconds of lockout now in force (0: not locked out yet).
    """
    address = client_address(request)
    window = settings.LOCKOUT_MINUTES * 60
    record_event(SecurityEventKind.API_KEY_FAILED, request, detail=detail)
    cache.add(_failures_key(address), 0, timeout=window)
    try:
        failures = cache.incr(_failures_key(address))
    except ValueError:  # expired between add and incr: this failure starts a new window
        cache.set(_failures_key(address), 1, timeout=window)
        failures = 1
    if failures < settings.LOCKOUT_FAILURES:
        return 0
    cache.set(_until_key(address), time.time() + window, timeout=window)
    cache.delete(_failures_key(address))
    record_event(
        SecurityEventKind.API_KEY_LOCKOUT,
        request,
        detail=f"{failures} refused API keys; blocked for {settings.LOCKOUT_MINUTES} minutes",
    )
    return window
