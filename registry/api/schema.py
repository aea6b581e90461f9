"""OpenAPI generation: the error responses every operation can give, and what the server really
accepts and answers, so that the document tells the truth (schemathesis `--checks all` holds the
served API to it: tests/projects/api/test_schemathesis.py).

* `RegistryAutoSchema` takes an operation's `application/json` answer as its main one (a list
  that can also answer CSV and GeoJSON is still a paginated, filterable list), and gives filter
  parameters to list actions only (a record's history is paginated but takes no filters).
* `add_error_responses` (a POSTPROCESSING_HOOKS entry) adds the JSON errors of SPEC 6, the other
  formats a `?format=` can ask for, the bounds of `page_size`, that an empty query parameter is
  no filter, and that request bodies take no other properties than they name.
"""

import re

from drf_spectacular.openapi import AutoSchema

from registry.api.pagination import MAX_PAGE_SIZE
from registry.multilingual import ISO_639_1


def text_by_key(keys) -> dict:
    """An object whose keys are some of `keys` and whose values are texts that are not blank:
    multilingual text (keyed by language) and a zone's policies (keyed by item). The server
    refuses any other key, so the schema says so."""
    return {
        "type": "object",
        "properties": {key: {"type": "string", "pattern": r"\S"} for key in sorted(keys)},
        "additionalProperties": False,
    }


# Multilingual text (SPEC 4), one component that every multilingual field refers to.
MULTILINGUAL_TEXT_REF = "#/components/schemas/MultilingualText"
MULTILINGUAL_TEXT_SCHEMA = {
    **text_by_key(ISO_639_1),
    "description": 'Text keyed by ISO 639-1 language code, e.g. {"en": "...", "zh": "..."}',
}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {}},
            "description": "field -> messages (400 only)",
        },
        "current_version": {"type": "integer", "description": "412 only"},
    },
    "required": ["detail", "code"],
}

# A GeoJSON FeatureCollection (RFC 7946) as registry.api.renderers.GeoJSONRenderer writes it.
FEATURE_COLLECTION_SCHEMA = {
    "type": "object",
    "description": "GeoJSON (RFC 7946): zones as their polygons, projects as one Point per "
    "location; each feature's properties are the record's JSON fields.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string", "nullable": True},
                    "geometry": {"type": "object", "nullable": True},
                    "properties": {"type": "object"},
                },
                "required": ["type", "geometry", "properties"],
            },
        },
        "next": {"type": "string", "format": "uri", "nullable": True},
        "previous": {"type": "string", "format": "uri", "nullable": True},
    },
    "required": ["type", "features"],
}

# What `?format=<name>` answers instead of JSON.
FORMAT_MEDIA_TYPES = {
    "csv": ("text/csv", {"type": "string"}),
    "geojson": ("application/geo+json", {"$ref": "#/components/schemas/FeatureCollection"}),
}

ERRORS_BY_METHOD = {
    "get": {
        "400": "Bad filter, page size, cursor or query parameter",
        "401": "Bad API key",
        "403": "Not allowed",
        "404": "Not found (or not visible to you)",
        "406": "Format not offered (?format= or Accept)",
        "429": "Too many requests (see Retry-After)",
    },
    "write": {
        "400": "Invalid input (field errors)",
        "401": "Bad API key",
        "403": "Visible but not allowed (role, key scope, or the four-eyes rule)",
        "404": "Not found (or not visible to you)",
        "406": "Format not offered (?format= or Accept)",
        "409": "Invalid or concurrent transition, record locked",
        "412": "Stale version (If-Match or version)",
        "413": "Body too large",
        "415": "Body is not JSON",
        "429": "Too many requests (see Retry-After)",
    },
}

# Query parameters that an empty value does not leave out: `?organization=` on a write names
# no organization the caller acts for (400).
EMPTY_REFUSED = {("organization", "write")}


class RegistryAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the JSON answer as an operation's main one."""

    def _is_list_view(self, serializer=None) -> bool:
        if serializer is None:
            serializer = self.get_response_serializers()
        if isinstance(serializer, dict):
            as_json = [
                value
                for code, value in serializer.items()
                if isinstance(code, tuple) and code[1] == "application/json"
            ]
            if as_json:
                serializer = as_json[0]
        return super()._is_list_view(serializer)

    def get_request_serializer(self):
        """A view may choose its body per route (`schema_request_serializer`): one viewset
        serves every workflow action, and some need a comment."""
        chosen = getattr(self.view, "schema_request_serializer", None)
        if callable(chosen):
            return chosen()
        return super().get_request_serializer()

    def get_filter_backends(self):
        action = getattr(self.view, "action", None)
        if action is not None and action != "list":
            return []
        return super().get_filter_backends()


def _document_query_parameters(operation: dict, group: str) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.setdefault("schema", {})
        if parameter["name"] == "page_size":
            schema.update(type="integer", minimum=1, maximum=MAX_PAGE_SIZE)
        if parameter.get("required"):
            continue
        if (parameter["name"], group) in EMPTY_REFUSED:
            if schema.get("type") == "string":
                schema.setdefault("minLength", 1)
        else:
            # django-filter, the paginator and the format negotiation take `?name=` as absent.
            parameter["allowEmptyValue"] = True


def _document_formats(operation: dict) -> None:
    """A `?format=` parameter lists the formats; each success can answer in every one of them."""
    formats = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter["name"] == "format":
            formats = parameter.get("schema", {}).get("enum", [])
    for code, response in operation.get("responses", {}).items():
        content = response.get("content")
        if not code.startswith("2") or not content or "application/json" not in content:
            continue
        for name in formats:
            if name in FORMAT_MEDIA_TYPES:
                media_type, schema = FORMAT_MEDIA_TYPES[name]
                content[media_type] = {"schema": schema}


def _require_bodies(operation: dict, schemas: dict) -> None:
    """A body whose schema has required properties must be sent (else the server's 400)."""
    body = operation.get("requestBody")
    if not body:
        return
    for media in body.get("content", {}).values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[1], {})
        if schema.get("required"):
            body["required"] = True


def _close_request_bodies(components: dict) -> None:
    """The server refuses a body field it does not know (400), so every request body says so."""
    for name, schema in components.get("schemas", {}).items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema.setdefault("additionalProperties", False)


def _item_operations(paths: dict, collection: str) -> tuple[str | None, list[dict]]:
    """The one path parameter of `collection`'s items, and every operation under an item."""
    names, operations = set(), []
    for path, path_item in paths.items():
        rest = path[len(collection) :]
        if not path.startswith(collection) or not rest.startswith("{"):
            continue
        name, _, tail = rest[1:].partition("}")
        if "{" in tail:
            continue  # a nested item (a participant of a project): no link from here
        names.add(name)
        operations += [op for method, op in path_item.items() if "operationId" in op]
    return (names.pop(), operations) if len(names) == 1 else (None, [])


def _add_links(paths: dict) -> None:
    """OpenAPI links, for clients and for stateful testing: a list's first row and a created
    record lead to what can be done with that item (read, edit, delete, its actions)."""
    for collection, path_item in paths.items():
        if not collection.endswith("/"):
            continue
        name, targets = _item_operations(paths, collection)
        if name is None:
            continue
        # A nested collection's own path parameters carry over from the request.
        carried = {
            outer: f"$request.path.{outer}" for outer in re.findall(r"\{(\w+)\}", collection)
        }
        sources = [
            (path_item.get("get", {}), "200", f"$response.body#/results/0/{name}"),
            (path_item.get("post", {}), "201", f"$response.body#/{name}"),
        ]
        for operation, code, expression in sources:
            response = operation.get("responses", {}).get(code)
            if response is None:
                continue
            links = response.setdefault("links", {})
            for target in targets:
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": {**carried, name: expression},
                }


def add_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: document the JSON errors of SPEC 6 and the
    rest of what the server accepts and answers (see the module's docstring)."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["FeatureCollection"] = FEATURE_COLLECTION_SCHEMA
    schemas["MultilingualText"] = MULTILINGUAL_TEXT_SCHEMA
    _close_request_bodies(components)
    error_ref = {"$ref": "#/components/schemas/Error"}
    _add_links(result.get("paths", {}))
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            group = "get" if method == "get" else "write"
            _document_query_parameters(operation, group)
            _document_formats(operation)
            _require_bodies(operation, schemas)
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS_BY_METHOD[group].items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
            if method == "get":
                responses.setdefault("304", {"description": "Not modified (If-None-Match)"})
    return result
