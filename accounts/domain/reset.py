"""Password reset e-mail (issue 17), sent like every other message (registry/mail.py): in the
person's language, plain text and HTML, from templates/email/password_reset.*; and how often it
may be asked for.

Requests are counted in Django's cache (Redis when REDIS_URL is set, shared by every server),
within an hour: PASSWORD_RESET_LIMIT per target e-mail (nobody's inbox is flooded, whoever asks)
and PASSWORD_RESET_ADDRESS_LIMIT per client address (higher: an office shares one address).
Past either limit no message leaves, but the page answers exactly as before: a limit reached
must not tell whether the address has an account.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from registry import mail

logger = logging.getLogger(__name__)

LIMIT_WINDOW_SECONDS = 3600
_SALT = "accounts.reset.limit"


def _key(kind: str, value: str) -> str:
    """A keyed hash (SECRET_KEY): the cache names no e-mail or address."""
    digest = salted_hmac(_SALT, str(value or "").strip().casefold()).hexdigest()[:32]
    return f"reset-limit:{kind}:{digest}"


def _count(key: str) -> int:
    cache.add(key, 0, timeout=LIMIT_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, timeout=LIMIT_WINDOW_SECONDS)
        return 1


def request_allowed(address: str, email: str) -> bool:
    """Count one reset request for `email` from `address`; False once either has reached its
    limit within the hour (then nothing is sent). Every request counts, whether or not the
    e-mail has an account, so the limit itself tells nothing."""
    by_email = _count(_key("email", email))
    by_address = _count(_key("address", address))
    allowed = (
        by_email <= settings.PASSWORD_RESET_LIMIT
        and by_address <= settings.PASSWORD_RESET_ADDRESS_LIMIT
    )
    if not allowed:
        logger.warning("password reset request over the hourly limit; no message sent")
    return allowed


def send_reset_message(user, url: str) -> None:
    """Send `user` the link `url` that lets them choose a new password (valid for an hour)."""
    context = {"user": user, "url": url, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    mail.send_templated("password_reset", [user], context)
