"""Task forms: JSON Schema files, validated on the server whoever submits.

Beyond standard JSON Schema, LotFlow reads two keywords on a field:
``x-choices`` names a choice provider registered with the engine (the values a
submission may hold are what it lists for the work item), and ``readOnly``
fields show process values and are never taken from a submission. A form
refuses fields it does not declare unless it sets ``additionalProperties``.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from . import jsontext, registry
from .conf import setting
from .errors import InvalidData
from .translations import form_translation_problems

MAX_SUBMISSION_BYTES = 64 * 1024
_format_checker = FormatChecker()


@_format_checker.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


@_format_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("a date-time needs a timezone offset")
    return True


def schema_problems(schema: Any) -> list[str]:
    """Why a form file cannot be used, or [] if it can."""
    if not isinstance(schema, dict):
        return [_("a form must be a JSON object (a JSON Schema)")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return [_("not a valid JSON Schema: %(error)s") % {"error": err.message}]
    problems = []
    if schema.get("type", "object") != "object":
        problems.append(_('a form\'s schema must have "type": "object"'))
    for name, provider in choice_fields(schema).items():
        if registry.choice_provider(provider) is None:
            problems.append(
                _("field %(field)s names choice provider %(provider)s, which is not registered")
                % {"field": repr(name), "provider": repr(provider)}
            )
    return problems + form_translation_problems(schema)


def choice_fields(schema: dict, prefix: str = "") -> dict[str, str]:
    """field path -> provider name, for fields (and nested fields) with ``x-choices``."""
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{prefix}{name}"
        if "x-choices" in prop:
            found[path] = prop["x-choices"]
        elif isinstance(prop.get("items"), dict) and "x-choices" in prop["items"]:
            found[path] = prop["items"]["x-choices"]
        if prop.get("type") == "object":
            found.update(choice_fields(prop, prefix=f"{path}."))
    return found


def read_only_fields(schema: dict) -> set[str]:
    return {n for n, p in (schema.get("properties") or {}).items() if isinstance(p, dict) and p.get("readOnly")}


def _closed(schema: dict) -> dict:
    """The schema with unknown fields refused wherever it does not say otherwise."""
    closed = dict(schema)
    props = schema.get("properties")
    if isinstance(props, dict):
        closed.setdefault("additionalProperties", False)
        closed["properties"] = {
            name: _closed(prop) if isinstance(prop, dict) and prop.get("type") == "object" else prop
            for name, prop in props.items()
        }
    return closed


@lru_cache(maxsize=1024)
def _validator(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(_closed(json.loads(schema_text)), format_checker=_format_checker)


@dataclass(frozen=True)
class _Form:
    """What validating against one schema needs, worked out once per schema."""

    validator: Draft202012Validator
    read_only: frozenset[str]
    choices: dict[str, str]


# Deployed forms are long-lived objects: look them up by identity first, so a
# step does not re-serialize its schema to find them.
_by_identity: dict[int, tuple[dict, _Form]] = {}


def _form(schema: dict) -> _Form:
    found = _by_identity.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    form = _Form(
        _validator(json.dumps(schema, sort_keys=True)), frozenset(read_only_fields(schema)), choice_fields(schema)
    )
    if len(_by_identity) > 4096:
        _by_identity.clear()
    _by_identity[id(schema)] = (schema, form)
    return form


def validate_submission(schema: dict | None, data: Any, item: Any) -> dict[str, Any]:
    """The cleaned data to store, or InvalidData naming each field that is wrong."""
    if not isinstance(data, dict):
        raise InvalidData({"": [_("the submission must be a JSON object of field values")]})
    if len(jsontext.dumps(data)) > MAX_SUBMISSION_BYTES:
        raise InvalidData(
            {"": [_("the submission is larger than %(size)s KB") % {"size": MAX_SUBMISSION_BYTES // 1024}]}
        )
    if not schema:
        if data:
            raise InvalidData({"": [_("this task has no form: it is confirmed without data")]})
        return {}
    form = _form(schema)
    cleaned = {k: v for k, v in data.items() if k not in form.read_only}
    errors: dict[str, list[str]] = {}
    for error in form.validator.iter_errors(cleaned):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if path and missing else (missing or path)
            message = _("this field is required")
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            for name in extra:
                errors.setdefault(f"{path}.{name}" if path else name, []).append(_("unknown field"))
            continue
        else:
            message = error.message
        errors.setdefault(path, []).append(message)
    for path, provider_name in form.choices.items():
        value = _get_path(cleaned, path)
        if value is None or path in errors:
            continue
        allowed = {c["value"] for c in choices_for(provider_name, item)}
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v not in allowed]
        if bad:
            errors.setdefault(path, []).append(
                _("%(value)s is not one of the allowed choices") % {"value": repr(bad[0])}
            )
    if errors:
        raise InvalidData(errors)
    return cleaned


def choices_for(provider_name: str, item: Any) -> list[dict[str, Any]]:
    provider = registry.choice_provider(provider_name)
    if provider is None:
        return []
    return list(provider(item))


def _get_path(data: dict, path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def load_form_file(name: str, directory: Path | None = None) -> dict:
    """A form file from the process folder's forms/ (for deploy and standalone items)."""
    folder = directory or Path(setting("PROCESS_DIR")) / "forms"
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents:
        raise FileNotFoundError(f"form {name!r} is outside the forms folder")
    return json.loads(path.read_text(encoding="utf-8"))
