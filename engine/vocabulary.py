"""What LotFlow reads from a BPMN task: its lane, name and extension properties.

Documented for process authors in docs/bpmn-vocabulary.md. Values are read once
per deployment and cached; expressions run in the restricted script engine.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin

EXPRESSION_PROPERTIES = ("assignee", "store", "exclude", "subject", "subjectRef")
DEFAULT_PRIORITY = 3
_PLACEHOLDER = re.compile(
    r"\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|\s*([A-Za-z][A-Za-z0-9_]*)\s*)?\}\}"
)
# How a placeholder may ask for its value to be written: ``{{ price|number }}`` → 148,000,
# ``{{ price|yuan }}`` → ¥148,000 (docs/bpmn-vocabulary.md). Grouping by thousands with a comma
# is how both Chinese and English write amounts; the text around it says 元 or puts ¥ first.
FORMATS = ("number", "yuan")


@dataclass(frozen=True)
class TaskSettings:
    element_id: str
    title: str
    role: str
    form: str
    instructions: str
    assignee: str | None
    store: str | None
    exclude: str | None
    subject: str | None
    subject_ref: str | None
    due: str | None
    priority: str | None
    continues: str | None = None


def properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties") or {})


def is_user_task(task_spec: Any) -> bool:
    return isinstance(task_spec, UserTaskMixin)


def task_settings(task_spec: Any) -> TaskSettings:
    props = properties(task_spec)
    extensions = getattr(task_spec, "extensions", None) or {}
    return TaskSettings(
        element_id=task_spec.bpmn_id or task_spec.name,
        title=task_spec.bpmn_name or task_spec.bpmn_id or task_spec.name,
        # Deploy settles the role (the task's own, else its lane's) into the ``role`` property;
        # specs deployed before it did so carry only the lane, whose name was the role.
        role=(props["role"] or "").strip() if "role" in props else (task_spec.lane or ""),
        form=props.get("form", "").strip(),
        instructions=(extensions.get("instructionsForEndUser") or "").strip(),
        assignee=props.get("assignee") or None,
        store=props.get("store") or None,
        exclude=props.get("exclude") or None,
        subject=props.get("subject") or None,
        subject_ref=props.get("subjectRef") or None,
        due=props.get("due") or None,
        priority=props.get("priority") or None,
        continues=(props.get("continues") or "").strip() or None,
    )


def fill_instructions(text: str, data: dict[str, Any], *, as_text: bool = True) -> str:
    """Replace ``{{ name }}`` and ``{{ name.key }}`` with values from the task's data, written
    as a ``|number`` or ``|yuan`` format asks.

    Only dictionary look-ups: instructions are text, not a template language.
    A name the data does not have is left empty. Each value is written so that Markdown reads it as text
    (``as_markdown_text``); ``as_text=False`` gives the bare value (a value kept to be filled in later).
    """
    if "{{" not in text:
        return text
    escape = as_markdown_text if as_text else str
    return "".join(
        piece if isinstance(piece, str) else escape(formatted(_lookup(data, piece[0]), piece[1]))
        for piece in _pieces(text)
    )


# Characters Markdown (with the tables extension) gives a meaning and lets a backslash take back.
_MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()>#+\-.!|])")


def as_markdown_text(value: str) -> str:
    """A value put into Markdown instructions reads as the text it is, never as Markdown or HTML.

    The values come from customers and staff (a name typed into the public lead form as
    ``[Verify your account](https://evil.example/login)`` must not become a link): every sign Markdown
    reads is escaped with a backslash, and ``<`` and ``&`` are written as entities, so no tag or
    autolink can form.
    """
    return _MARKDOWN_SIGNS.sub(r"\\\1", value.replace("&", "&amp;").replace("<", "&lt;"))


def placeholders(text: str) -> list[str]:
    """The ``{{ name.key }}`` paths a text uses, in order (without their formats)."""
    return [".".join(piece[0]) for piece in _pieces(text) if isinstance(piece, tuple)]


def unknown_formats(text: str) -> list[str]:
    """The formats a text's placeholders ask for that LotFlow does not know, in order."""
    return [piece[1] for piece in _pieces(text) if isinstance(piece, tuple) and piece[1] not in ("", *FORMATS)]


def formatted(value: str, how: str) -> str:
    """``value`` written as the format ``how`` asks; a value that is no number stays as it is."""
    if how not in FORMATS or value == "":
        return value
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        return value
    if not amount.is_finite():
        return value
    places = 0 if amount == amount.to_integral_value() else 2
    text = f"{abs(amount):,.{places}f}"
    if how == "yuan":
        text = f"¥{text}"
    return f"-{text}" if amount < 0 else text


@lru_cache(maxsize=1024)
def _pieces(text: str) -> tuple[str | tuple[tuple[str, ...], str], ...]:
    """The text split once into literal strings and (placeholder path, format) pairs."""
    pieces: list[str | tuple[tuple[str, ...], str]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces += [text[position : match.start()], (tuple(match.group(1).split(".")), match.group(2) or "")]
        position = match.end()
    pieces.append(text[position:])
    return tuple(pieces)


def _lookup(data: dict[str, Any], path: tuple[str, ...]) -> str:
    value: Any = data
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return ""
    return "" if value is None else str(value)
