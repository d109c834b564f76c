"""The fields of a task form, read from its JSON Schema.

Each property of the schema becomes one ``Field`` with a widget chosen from its
type, format and choices (docs/forms.md lists the vocabulary). A schema the
page cannot show (a list without choices, objects nested twice) raises
``UnsupportedForm`` naming the field, rather than rendering a form that could
never be submitted.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

# At most this many choices show as radio buttons; more become a drop-down.
MAX_RADIO_OPTIONS = 4
# A string allowed to be longer than this (or without a limit) gets a text area.
MAX_SINGLE_LINE = 200
STRING_FORMATS = {"date": "date", "date-time": "datetime", "email": "email"}


class UnsupportedForm(Exception):
    """The schema uses something the form renderer cannot show; the message names the field."""


@dataclass
class Option:
    key: str  # what the browser posts
    value: Any  # what the schema holds
    label: str
    selected: bool = False


@dataclass
class Field:
    path: str  # "plate", or "owner.name" inside a nested object
    name: str  # the property name in its object
    label: str
    widget: str  # text, textarea, email, integer, number, checkbox, radio, select, checkboxes,
    #              date, datetime, readonly, group
    schema: dict
    required: bool = False
    help: str = ""
    options: list[Option] = field(default_factory=list)
    children: list["Field"] = field(default_factory=list)
    initial: Any = None  # the process's value (or the schema's default), in the schema's type
    raw: Any = None  # what was posted, kept to show it again beside an error
    errors: list[str] = field(default_factory=list)
    shown_as: str | None = None  # a read-only value as the page has written it (labels, money, dates)

    @property
    def html_id(self) -> str:
        return "f-" + self.path.replace(".", "-")

    @property
    def shown(self) -> str:
        """The text to put in a text-like input: what was typed, else the initial value."""
        if self.raw is not None:
            return str(self.raw)
        return display_for_input(self.widget, self.initial)

    @property
    def checked(self) -> bool:
        if self.raw is not None:
            return self.raw not in ("", "false", "off", "0")
        return self.initial is True

    @property
    def display(self) -> str:
        """A read-only value as a person reads it."""
        if self.shown_as is not None:
            return self.shown_as
        return display_value(self.initial, self.schema, self.options)

    @property
    def attrs(self) -> dict[str, Any]:
        """HTML constraint attributes: hints for the browser and the keyboard, checked on the server."""
        schema, attrs = self.schema, {}
        if self.widget in ("text", "textarea", "email"):
            if "maxLength" in schema:
                attrs["maxlength"] = schema["maxLength"]
            if "minLength" in schema:
                attrs["minlength"] = schema["minLength"]
        if self.widget in ("integer", "number"):
            for key, attr in (("minimum", "min"), ("maximum", "max")):
                if key in schema:
                    attrs[attr] = schema[key]
            attrs["step"] = schema.get("multipleOf", 1 if self.widget == "integer" else "any")
            attrs["inputmode"] = "numeric" if self.widget == "integer" else "decimal"
        return attrs

    @property
    def input_type(self) -> str:
        return {
            "integer": "number",
            "number": "number",
            "date": "date",
            "datetime": "datetime-local",
            "email": "email",
        }.get(self.widget, "text")

    def walk(self) -> list["Field"]:
        return [self, *(f for child in self.children for f in child.walk())]


def build_fields(schema: dict, *, values: dict | None, choices: dict[str, list[dict]], prefix: str = "") -> list[Field]:
    """One Field per property of ``schema``, initial values from ``values``."""
    values = values if isinstance(values, dict) else {}
    required = set(schema.get("required") or [])
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        if not isinstance(prop, dict):
            raise UnsupportedForm(f"field {path!r}: its schema is not a JSON object")
        fields.append(
            _field(
                path,
                name,
                prop,
                required=name in required,
                value=values.get(name),
                choices=choices,
                nested=bool(prefix),
            )
        )
    return fields


def _field(path: str, name: str, prop: dict, *, required: bool, value: Any, choices: dict, nested: bool) -> Field:
    kind = _type_of(path, prop)
    initial = value if value is not None else prop.get("default")
    made = Field(
        path=path,
        name=name,
        label=str(prop.get("title") or humanize(name)),
        widget="",
        schema=prop,
        required=required,
        help=str(prop.get("description") or ""),
        initial=initial,
    )
    option_source = prop.get("items") if kind == "array" else prop
    options = _options(path, option_source if isinstance(option_source, dict) else {}, choices)
    made.options = options or []
    if kind == "object":
        if nested:
            raise UnsupportedForm(f"field {path!r}: forms show one level of nested objects, not two")
        made.widget = "readonly" if prop.get("readOnly") else "group"
        made.children = build_fields(prop, values=initial, choices=choices, prefix=f"{path}.")
        return made
    if kind == "array" and options is None:
        raise UnsupportedForm(f"field {path!r}: a list needs its choices (items with enum, oneOf or x-choices)")
    made.widget = "readonly" if prop.get("readOnly") else _widget(kind, prop, options)
    _mark_selected(made)
    return made


def _type_of(path: str, prop: dict) -> str:
    kind = prop.get("type")
    if isinstance(kind, list):  # ["string", "null"]: the one real type
        real = [k for k in kind if k != "null"]
        kind = real[0] if len(real) == 1 else None
    if kind is None and _const_options(prop, {}) is not None:
        kind = "string"
    if kind not in ("string", "integer", "number", "boolean", "array", "object"):
        raise UnsupportedForm(f"field {path!r}: type {prop.get('type')!r} cannot be shown in a form")
    return kind


def _widget(kind: str, prop: dict, options: list[Option] | None) -> str:
    if kind == "array":
        return "checkboxes"
    if options is not None:
        wanted = prop.get("x-widget")
        if wanted in ("radio", "select"):
            return wanted
        return "radio" if len(options) <= MAX_RADIO_OPTIONS else "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return kind
    if prop.get("format") in STRING_FORMATS:
        return STRING_FORMATS[prop["format"]]
    long_text = prop.get("maxLength") is None or prop["maxLength"] > MAX_SINGLE_LINE
    if prop.get("x-widget") == "textarea" or (long_text and prop.get("x-widget") != "text"):
        return "textarea"
    return "text"


def _options(path: str, prop: dict, choices: dict[str, list[dict]]) -> list[Option] | None:
    """The choices of a field: from a provider (``x-choices``), ``enum``, or ``oneOf`` consts with titles."""
    if path in choices or "x-choices" in prop:
        return [
            Option(option_key(c.get("value")), c.get("value"), str(c.get("label", c.get("value"))))
            for c in choices.get(path, [])
        ]
    titles = prop.get("x-choice-titles") or {}  # the reader's language (engine.translations.localize_form)
    if isinstance(prop.get("enum"), list):
        return [Option(option_key(v), v, str(titles.get(str(v)) or humanize(v))) for v in prop["enum"]]
    return _const_options(prop, titles)


def _const_options(prop: dict, titles: dict) -> list[Option] | None:
    for keyword in ("oneOf", "anyOf"):
        alternatives = prop.get(keyword)
        if (
            isinstance(alternatives, list)
            and alternatives
            and all(isinstance(a, dict) and "const" in a for a in alternatives)
        ):
            return [
                Option(
                    option_key(a["const"]),
                    a["const"],
                    str(titles.get(str(a["const"])) or a.get("title") or humanize(a["const"])),
                )
                for a in alternatives
            ]
    return None


def _mark_selected(made: Field) -> None:
    initial = made.initial if isinstance(made.initial, list) else [made.initial]
    keys = {option_key(v) for v in initial if v is not None}
    for option in made.options:
        option.selected = option.key in keys


def select_posted(made: Field, posted: list[str]) -> None:
    """Show the options that were posted as chosen (after an error)."""
    for option in made.options:
        option.selected = option.key in posted


def option_key(value: Any) -> str:
    """How a choice's value travels through HTML: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def humanize(value: Any) -> str:
    text = str(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def display_for_input(widget: str, value: Any) -> str:
    if value is None:
        return ""
    if widget == "datetime":
        parsed = _parse_datetime(value)
        return parsed.strftime("%Y-%m-%dT%H:%M") if parsed else str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def display_value(value: Any, schema: dict, options: list[Option]) -> str:
    if value is None or value == "":
        return ""
    labels = {o.key: o.label for o in options}
    if isinstance(value, list):
        return ", ".join(labels.get(option_key(v), str(v)) for v in value)
    if option_key(value) in labels:
        return labels[option_key(value)]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if schema.get("format") == "date-time":
        parsed = _parse_datetime(value)
        return parsed.strftime("%Y-%m-%d %H:%M") if parsed else str(value)
    if schema.get("format") == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return ", ".join(f"{humanize(k)}: {v}" for k, v in value.items())
    return str(value)


def _parse_datetime(value: Any) -> datetime | None:
    """An ISO date-time in the portal's time zone (settings.TIME_ZONE), or None if it is not one."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if timezone.is_naive(parsed):
        return parsed
    return timezone.localtime(parsed, timezone.get_default_timezone())
