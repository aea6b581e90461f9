"""The URL converter of the record-type segment (`/projects/...`, `/zones/...`, `/contacts/...`).

The `ident` converter for identifiers is shared with the API: `registry.api.routing`.
"""

from django.urls import register_converter

import registry.api.routing  # noqa: F401  (registers the `ident` converter)


class RecordTypeConverter:
    regex = "projects|zones|contacts"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(RecordTypeConverter, "record_type")
