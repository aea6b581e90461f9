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
