"""Request bodies: JSON only, and never larger than `settings.API_MAX_BODY_BYTES` (413)."""

import io

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser

from registry.api.errors import PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 1_000_000


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


class LimitedJSONParser(JSONParser):
    """DRF reads the body as a stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE: cap it here."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        data = super().parse(io.BytesIO(body), media_type, parser_context)
        where = _nul_at(data)
        if where is not None:
            # PostgreSQL cannot store U+0000 in text or jsonb: refuse it here, by field.
            raise ValidationError({where: ["Text may not contain the NUL character (U+0000)."]})
        return data


def _nul_at(value, where: str = "non_field_errors") -> str | None:
    """The top-level field whose value holds a NUL character anywhere inside, else None."""
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
