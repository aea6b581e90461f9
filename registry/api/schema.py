"""OpenAPI post-processing: the error responses every operation can give."""

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

ERRORS_BY_METHOD = {
    "get": {
        "400": "Bad filter, page size, cursor or query parameter",
        "401": "Bad API key",
        "403": "Not allowed",
        "404": "Not found (or not visible to you)",
        "406": "Format not offered",
        "429": "Too many requests (see Retry-After)",
    },
    "write": {
        "400": "Invalid input (field errors)",
        "401": "Bad API key",
        "403": "Visible but not allowed (role, key scope, or the four-eyes rule)",
        "404": "Not found (or not visible to you)",
        "409": "Invalid or concurrent transition, record locked",
        "412": "Stale version (If-Match or version)",
        "413": "Body too large",
        "415": "Body is not JSON",
        "429": "Too many requests (see Retry-After)",
    },
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry: document the JSON errors of SPEC 6."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            errors = ERRORS_BY_METHOD["get" if method == "get" else "write"]
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
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
