"""Task forms rendered on the server from a work item's JSON Schema.

``TaskForm`` reads the schema into fields (``fields.py``), turns a post into
typed data (``convert.py``), and places errors, whether from conversion or
from the engine's validation, beside the field they name.
"""

import re
from typing import Any

from django.http import QueryDict

from .convert import convert_fields
from .fields import Field, UnsupportedForm, build_fields

__all__ = ["Field", "TaskForm", "UnsupportedForm"]

# jsonschema quotes the offending value in its messages; a pasted novel need not be echoed back whole.
_LONG_QUOTE = re.compile(r"'([^']{60})[^']{20,}'")
_NO_MATCH = re.compile(r"^'.*' does not match '.*'$", re.S)
_TOO_LONG = re.compile(r"^'.*' is too long$", re.S)
_TOO_SHORT = re.compile(r"^'.*' is too short$", re.S)


class TaskForm:
    """The form of one work item: its fields, what was posted, and what is wrong with it."""

    def __init__(
        self, schema: dict | None, *, values: dict | None = None, choices: dict[str, list[dict]] | None = None
    ):
        self.schema = schema
        self.fields: list[Field] = build_fields(schema, values=values, choices=choices or {}) if schema else []
        self.form_errors: list[str] = []

    @property
    def takes_data(self) -> bool:
        return bool(self.schema)

    @property
    def title(self) -> str:
        return str((self.schema or {}).get("title") or "")

    @property
    def description(self) -> str:
        return str((self.schema or {}).get("description") or "")

    @property
    def editable(self) -> list[Field]:
        return [f for f in self.fields if f.widget != "readonly"]

    @property
    def read_only(self) -> list[Field]:
        return [f for f in self.fields if f.widget == "readonly"]

    def all_fields(self) -> list[Field]:
        return [f for top in self.fields for f in top.walk()]

    @property
    def error_count(self) -> int:
        return len(self.form_errors) + sum(1 for f in self.all_fields() if f.errors)

    def convert(self, posted: QueryDict) -> dict[str, Any] | None:
        """The typed data for ``api.complete``, or None when a field could not be converted."""
        data, errors = convert_fields(self.fields, posted)
        self.add_errors(errors)
        return None if errors else data

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each error beside the field its path names (``"owner.name"``, ``"extras.1"``);
        errors on the form as a whole, or on fields it does not show, go above it."""
        by_path = {f.path: f for f in self.all_fields()}
        for path, messages in errors.items():
            target = _field_for(path, by_path)
            tidy = [_friendlier(str(m), target) for m in messages]
            if target is not None and target.widget != "readonly":
                target.errors.extend(tidy)
            elif path:
                label = target.label if target is not None else path
                self.form_errors.extend(f"{label}: {m}" for m in tidy)
            else:
                self.form_errors.extend(tidy)


def _friendlier(message: str, target: Field | None) -> str:
    """jsonschema's messages, said the way a person filling in a form needs them."""
    schema = target.schema if target is not None else {}
    if _NO_MATCH.match(message):
        return "is not in the expected form" + (f" ({target.help})" if target is not None and target.help else "")
    if _TOO_LONG.match(message) and "maxLength" in schema:
        return f"is too long: at most {schema['maxLength']:,} characters"
    if _TOO_SHORT.match(message) and "minLength" in schema:
        return f"is too short: at least {schema['minLength']:,} characters"
    return _LONG_QUOTE.sub(r"'\1…'", message)


def _field_for(path: str, by_path: dict[str, Field]) -> Field | None:
    """The field a path names, or the closest one containing it (a list's item, a group's member)."""
    parts = path.split(".") if path else []
    while parts:
        found = by_path.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None
