"""Sign-in lockout that stops guessing, not people (issue 17; OWASP's "device cookies").

Counts live in Django's cache (Redis when REDIS_URL is set, so every app server shares them):

* A successful sign-in leaves a signed device cookie naming the usernames this browser has
  signed in as (`device_cookie_value`). A client holding it for a username is *trusted* for it.
* A failure from a trusted client counts against (username, that device); at LOCKOUT_FAILURES
  only that device is refused for that username.
* A failure from an untrusted client counts against the username for all untrusted clients
  (wherever they are: five addresses trying one password each are one guesser); at
  LOCKOUT_FAILURES the username is refused to every untrusted client. (A count per username and
  address would add nothing: the username's count already holds every address's failures.)
  The real user's browser still holds its cookie: an attacker's failures never lock them out.
* Every failure counts against the address; an address alone is refused only after
  LOCKOUT_ADDRESS_FAILURES (an office shares one address), and never to a trusted client.
* A request already refused is not counted: it checked no password.
* A completed password reset (`forgive`) and a platform admin (`lift`) end a username's lockout.

The windows and lockouts last LOCKOUT_MINUTES. Security events go to accounts.SecurityEvent.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from accounts.domain.security import record_event
from accounts.models import SecurityEventKind
from registry.client import client_address

DEVICE_COOKIE = "registry_device"
DEVICE_SALT = "accounts.lockout.device"
DEVICE_COOKIE_DAYS = 365
# A browser remembers this many usernames (the most recent); enough for shared office computers.
DEVICE_USERNAMES = 8


def _digest(value: str) -> str:
    """A keyed hash (SECRET_KEY): the cookie and the cache name no username or address."""
    return salted_hmac(DEVICE_SALT, value).hexdigest()[:32]


def _name(username: str) -> str:
    """One key per username whatever its case: a guesser gains nothing by varying it."""
    return _digest(str(username or "").strip().casefold())


def _window() -> int:
    return settings.LOCKOUT_MINUTES * 60


# --- The device cookie ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    """What a valid device cookie says: its id and the usernames signed in from it."""

    id: str
    names: tuple[str, ...]

    def trusted_for(self, username: str) -> bool:
        return _name(username) in self.names


def device_of(request) -> Device | None:
    """The request's device cookie if its signature holds and it is not too old, else None."""
    raw = getattr(request, "COOKIES", {}).get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_DAYS * 86400)
        return Device(id=str(data["d"]), names=tuple(str(n) for n in data["u"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def device_cookie_value(request, username: str) -> str:
    """The cookie to leave after `username` signed in: the device's id, this name added."""
    device = device_of(request)
    device_id = device.id if device else secrets.token_urlsafe(16)
    names = [n for n in (device.names if device else ()) if n != _name(username)]
    names = ([_name(username)] + names)[:DEVICE_USERNAMES]
    return signing.dumps({"d": device_id, "u": names}, salt=DEVICE_SALT)


def set_device_cookie(response, request, username: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_value(request, username),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
    )


# --- Counters ------------------------------------------------------------------------------------


def _keys(request, username: str) -> dict[str, str]:
    """The counters a failure of (request, username) touches; the first decides the lockout."""
    device = device_of(request)
    name = _name(username)
    address = _digest(client_address(request))
    if device is not None and device.trusted_for(username):
        subject = f"lockout:device:{name}:{_digest(device.id)}"
    else:
        subject = f"lockout:user:{name}"
    return {"subject": subject, "address": f"lockout:address:{address}"}


def _until(key: str) -> int:
    until = cache.get(f"{key}:until")
    return max(0, int(until - time.time()) + 1) if until else 0


def _count(key: str) -> int:
    cache.add(key, 0, timeout=_window())
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new window
        cache.set(key, 1, timeout=_window())
        return 1


def _lock(key: str) -> None:
    cache.set(f"{key}:until", time.time() + _window(), timeout=_window())
    cache.delete(key)


def refusal(request, username: str) -> int:
    """Seconds this client must wait before trying `username` again; 0: it may try now.

    A trusted client is refused only when its own device is locked for that username; an
    untrusted one when the username is locked for untrusted clients or its address is locked.
    """
    keys = _keys(request, username)
    if _until(keys["subject"]):
        return _until(keys["subject"])
    device = device_of(request)
    if device is not None and device.trusted_for(username):
        return 0
    return _until(keys["address"])


def note_failure(request, username: str, detail: str = "") -> int:
    """Count one failed password or code; lock what reached its limit. -> seconds now refused."""
    keys = _keys(request, username)
    locked = 0
    if _count(keys["subject"]) >= settings.LOCKOUT_FAILURES:
        _lock(keys["subject"])
        locked = _window()
        record_event(
            SecurityEventKind.LOCKOUT,
            request,
            username=username,
            detail=f"{settings.LOCKOUT_FAILURES} failed sign-ins; "
            f"{'this device' if ':device:' in keys['subject'] else 'untrusted clients'} "
            f"blocked for {settings.LOCKOUT_MINUTES} minutes",
        )
    if _count(keys["address"]) >= settings.LOCKOUT_ADDRESS_FAILURES:
        _lock(keys["address"])
        record_event(
            SecurityEventKind.LOCKOUT,
            request,
            username=username,
            detail=f"{settings.LOCKOUT_ADDRESS_FAILURES} failed sign-ins from this address; "
            f"clients without a device cookie blocked for {settings.LOCKOUT_MINUTES} minutes",
        )
        device = device_of(request)
        if device is None or not device.trusted_for(username):
            locked = _window()
    return locked


def note_success(request, username: str) -> None:
    """A sign-in went through: this client's own count for the username starts again."""
    device = device_of(request)
    if device is not None:
        cache.delete(f"lockout:device:{_name(username)}:{_digest(device.id)}")


def forgive(username: str) -> None:
    """End a username's lockout for untrusted clients (a completed password reset, an admin)."""
    name = _name(username)
    key = f"lockout:user:{name}"
    cache.delete_many([key, f"{key}:until"])


def lift(username: str = "", address: str = "") -> None:
    """A platform admin lifts the lockout of a username and/or an address."""
    if username:
        forgive(username)
    if address:
        key = f"lockout:address:{_digest(address)}"
        cache.delete_many([key, f"{key}:until"])


def username_locked_for(username: str) -> int:
    """Seconds the username stays locked for untrusted clients (the admin shows it)."""
    return _until(f"lockout:user:{_name(username)}")
