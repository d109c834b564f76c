"""The OpenAPI schema's error answers (a drf-spectacular postprocessing hook, SPECTACULAR_SETTINGS).

Every refusal comes back as one JSON shape, the ``Error`` component: ``detail`` says what was wrong; a refused
field names itself with its messages (a list item's by its index); a refused deployment adds ``problems``.
Which operation can answer which refusal follows from where it is made:

- 400: anywhere (the request limits refuse a Content-Length that is no number before any view runs); a body or a
  query parameter that does not fit answers field by field;
- 401: anywhere (no key, an unknown or revoked key, a person deactivated);
- 403: writes (a role that may not do this; a signed-in page's form without its CSRF token);
- 404: anywhere (a record out of the caller's scope or that does not exist, in the path or in the body; a page
  of a list past its end);
- 409: writes (an illegal status move, a colleague who was first, a process not deployed);
- 413: anywhere (a body larger than LOTFLOW_MAX_REQUEST_BYTES, refused before it is read);
- 415: writes (a body that is not JSON);
- 429: only the operations whose view has a throttle.

Below, field extensions say in the schema what the serializers take: text that may not be blank, dates in the
years 1900-2100. tests/crm/test_api_fuzz.py holds the API to all of it with schemathesis.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

ERROR = "Error"
WRITES = {"post", "put", "patch", "delete"}

_MESSAGES: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "A refusal. `detail` says what was wrong; on a 400, each refused field names itself with its messages "
        "(an item of a list by its index), `non_field_errors` holds what concerns no single field, and a "
        "refused deployment lists its `problems`."
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": _MESSAGES,
        "problems": _MESSAGES,
    },
    "additionalProperties": {
        "anyOf": [_MESSAGES, {"type": "object", "additionalProperties": {"anyOf": [_MESSAGES, {"type": "object"}]}}]
    },
}

_WHY = {
    "400": "The request is malformed or a field is refused: each refused field with its messages.",
    "401": "No API key or session, or one that is unknown, revoked or of a deactivated person.",
    "403": "The caller's role may not do this.",
    "404": "No such record in the caller's scope (in the path or named in the body), or no such page.",
    "409": "The record's state refuses this (an illegal status move, a colleague who was first, "
    "a process not deployed).",
    "413": "The request body is larger than the install allows; nothing was read or saved.",
    "415": "The body is not JSON (the API reads JSON only).",
    "429": "Too many requests; try again later.",
}


def _answer(code: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{ERROR}"}
    if code != "400":
        schema = {"allOf": [schema, {"required": ["detail"]}]}
    return {"description": _WHY[code], "content": {"application/json": {"schema": schema}}}


def error_answers(result: dict[str, Any], generator: Any, request: Any, public: bool, **_: Any) -> dict[str, Any]:
    """Add the error answers each operation can give, all of the shared ``Error`` shape."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR] = ERROR_SCHEMA
    throttled = {(path, method.lower()) for path, method in _throttled(generator)}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "404", "413"]
            if method in WRITES:
                codes += ["403", "409", "415"]
            if (path, method) in throttled:
                codes.append("429")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(code, _answer(code))
            operation["responses"] = dict(sorted(responses.items()))
    return result


def _throttled(generator: Any) -> list[tuple[str, str]]:
    """(path, method) of the operations whose view throttles, with paths as the schema writes them."""
    found = []
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if view.get_throttles():
            found.append((path, method))
    return found


# --- what the fields accept, said in the schema -------------------------------------------------------------------
# A text field that may not be blank refuses "" and text of spaces only (DRF trims it first): at least one character
# that is not a space. A date or a time lies in the years FIRST_YEAR-LAST_YEAR (serializers.BoundedDateField).

NOT_BLANK = r"\S"
YEARS = r"^(19[0-9]{2}|20[0-9]{2}|2100)-"


class TextNotBlank(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_blank and "pattern" not in schema and schema.get("type") == "string":
            schema["pattern"] = NOT_BLANK
        return schema


class BoundedDateTime(OpenApiSerializerFieldExtension):
    target_class = "portal.crm.api.serializers.BoundedDateTimeField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return _bounded(auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True))


class BoundedDate(BoundedDateTime):
    target_class = "portal.crm.api.serializers.BoundedDateField"


def _bounded(schema: dict[str, Any]) -> dict[str, Any]:
    from .serializers import FIRST_YEAR, LAST_YEAR

    schema["pattern"] = YEARS
    note = f"In the years {FIRST_YEAR}-{LAST_YEAR}."
    schema["description"] = f"{schema['description']} {note}" if schema.get("description") else note
    return schema
