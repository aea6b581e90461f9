"""URL parts every app's API routes share."""

from django.urls import register_converter
from django.urls.converters import StringConverter


class IdentifierConverter(StringConverter):
    """A record identifier or key prefix: letters, digits, '.', '_', '-' (anything else: 404)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"


# Registered once, when the first app's API routes import this module.
register_converter(IdentifierConverter, "ident")
