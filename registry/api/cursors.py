"""Signed cursors (SPEC 6): the API hands out cursors and takes back only its own.

A cursor is `django.core.signing.dumps(payload)` with a salt naming what it is a position in
(the list's path and ordering, or the changes feed). A hand-made, edited or foreign cursor (one
from another list or ordering) fails the signature and is a 400. Signing makes a cursor
tamper-proof, not secret: the payload is only base64-encoded JSON.
"""

from __future__ import annotations

from django.core import signing
from rest_framework.exceptions import ValidationError

SALT = "registry.api.cursor"
# What a cursor looks like (payload:timestamp:signature, URL-safe base64), for the schema: a
# string of this shape that this server did not sign is still a 400.
PATTERN = r"^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$"
DESCRIPTION = (
    "An opaque cursor this server gave (`next`, `previous`, the feed's `cursor`); any other "
    "value, even of this shape, is refused with 400."
)


def sign(payload: dict, purpose: str) -> str:
    return signing.dumps(payload, salt=f"{SALT}:{purpose}", compress=False)


def unsign(token: str, purpose: str, *, field: str, message: str) -> dict:
    """The payload of a cursor this server signed for `purpose`; else a 400 on `field`."""
    try:
        payload = signing.loads(token, salt=f"{SALT}:{purpose}")
    except (signing.BadSignature, ValueError, UnicodeError):
        raise ValidationError({field: [message]}) from None
    if not isinstance(payload, dict):
        raise ValidationError({field: [message]})
    return payload
