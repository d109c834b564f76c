"""What LotFlow reads from a BPMN task: its lane, name and extension properties.

Documented for process authors in docs/bpmn-vocabulary.md. Values are read once
per deployment and cached; expressions run in the restricted script engine.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin

EXPRESSION_PROPERTIES = ("assignee", "store", "exclude", "subject", "subjectRef")
DEFAULT_PRIORITY = 3
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}")


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


def fill_instructions(text: str, data: dict[str, Any]) -> str:
    """Replace ``{{ name }}`` and ``{{ name.key }}`` with values from the task's data.

    Only dictionary look-ups: instructions are text, not a template language.
    A name the data does not have is left empty.
    """
    if "{{" not in text:
        return text
    return "".join(piece if isinstance(piece, str) else _lookup(data, piece) for piece in _pieces(text))


def placeholders(text: str) -> list[str]:
    """The ``{{ name.key }}`` paths a text uses, in order."""
    return [".".join(piece) for piece in _pieces(text) if isinstance(piece, tuple)]


@lru_cache(maxsize=1024)
def _pieces(text: str) -> tuple[str | tuple[str, ...], ...]:
    """The text split once into literal strings and placeholder paths."""
    pieces: list[str | tuple[str, ...]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces += [text[position : match.start()], tuple(match.group(1).split("."))]
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
