"""Request bodies: JSON only, never larger than `settings.API_MAX_BODY_BYTES` (413), never
nested deeper than `MAX_JSON_DEPTH` (400).

Every API view parses its body here (DEFAULT_PARSER_CLASSES), so these limits hold for every
endpoint, signed in or not. Bodies whose Content-Length already says they are too large are
answered earlier, before anything reads them (registry.middleware.BodySizeLimitMiddleware).
"""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from registry.api.errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 1_000_000
# Deep enough for any record (a GeoJSON MultiPolygon inside a body is 6 levels), shallow enough
# that no recursive code downstream (validators, serializers, the database driver) can overflow.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


class LimitedJSONParser(JSONParser):
    """DRF reads the body as a stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE: cap it here."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            # The C decoder gives up long before the stack does, with this error: a 400, not 500.
            raise ParseError(TOO_DEEP) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(TOO_DEEP)
        where = _nul_at(data)
        if where is not None:
            # PostgreSQL cannot store U+0000 in text or jsonb: refuse it here, by field.
            raise ValidationError({where: ["Text may not contain the NUL character (U+0000)."]})
        return data


def json_depth(value) -> int:
    """How deeply lists and objects nest in `value` (a scalar: 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:  # deeper than the limit is refused whatever lies below
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _nul_at(value, where: str = "non_field_errors") -> str | None:
    """The top-level field whose value holds a NUL character anywhere inside, else None.

    Recursive, but only ever called on bodies no deeper than MAX_JSON_DEPTH.
    """
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = key if where == "non_field_errors" else where
            if "\x00" in str(key):
                return field
            found = _nul_at(item, field)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _nul_at(item, where)
            if found is not None:
                return found
    return None
