"""Camunda Modeler's extension attributes, read as LotFlow's task settings.

A user task drawn in Camunda Modeler says who does it and when with attributes in
the namespace ``http://camunda.org/schema/1.0/bpmn``: ``candidateGroups``,
``assignee``, ``dueDate``, ``priority``, and its form with ``camunda:formData``.
Deploy reads them as the ``spiffworkflow`` properties of the same meaning (which
win where a task has both) and turns the form fields into a JSON Schema form
(docs/forms.md). The mapping is documented in docs/bpmn-vocabulary.md.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
# A JUEL expression as Camunda writes one: ``${initiator}`` or ``#{initiator}``.
_EXPRESSION = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string", "x-widget": "text"},
    "long": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "enum": {"type": "string"},
}
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class CamundaTask:
    """What a user task's Camunda attributes say, as LotFlow property values (Python expressions
    where LotFlow expects one), its form as a JSON Schema, and the reasons something was refused."""

    properties: dict[str, str] = field(default_factory=dict)
    form: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    role_refused: bool = False  # candidateGroups was refused: the task is not refused again for lacking a role


def _attr(element: Any, name: str) -> str | None:
    value = element.get(f"{{{CAMUNDA_NS}}}{name}")
    return value.strip() if value is not None and value.strip() else None


def _expression(value: str) -> str:
    """A Camunda value as a LotFlow expression: ``${name}`` is the expression ``name``,
    anything else a literal text."""
    match = _EXPRESSION.match(value)
    return match.group(1).strip() if match else repr(value)


# Where a Camunda file writes an expression as ``${...}``, LotFlow reads the expression inside.
_EXPRESSION_TAGS = (
    "conditionExpression",
    "timeDuration",
    "timeDate",
    "timeCycle",
    "loopCardinality",
    "completionCondition",
)
_JUEL_OPERATORS = ((re.compile(r"\s*&&\s*"), " and "), (re.compile(r"\s*\|\|\s*"), " or "))


def unwrap_expressions(tree: Any) -> None:
    """Read Camunda's ``${expr}`` conditions and timer values as the expression ``expr`` (``&&`` and
    ``||`` as ``and`` and ``or``), in the tree the parser reads; the stored file is unchanged. What
    is still not Python is refused by deploy at its element, like any expression."""
    for tag in _EXPRESSION_TAGS:
        for node in tree.iter(f"{{*}}{tag}"):
            match = _EXPRESSION.match(node.text or "")
            if match:
                text = match.group(1).strip()
                for pattern, python in _JUEL_OPERATORS:
                    text = pattern.sub(python, text)
                node.text = text


def read_user_task(element: Any, roles: list[str]) -> CamundaTask:
    """The Camunda settings of one ``bpmn:userTask`` element (lxml)."""
    found = CamundaTask()
    groups = _attr(element, "candidateGroups")
    if groups is not None:
        names = [g.strip() for g in groups.split(",") if g.strip()]
        found.role_refused = True
        if _EXPRESSION.match(groups):
            found.problems.append(
                _("camunda:candidateGroups must name a role, not an expression (roles: %(roles)s)")
                % {"roles": ", ".join(sorted(roles))}
            )
        elif len(names) > 1:
            found.problems.append(
                _("camunda:candidateGroups names several groups (%(groups)s); a task has one role")
                % {"groups": ", ".join(names)}
            )
        elif names[0] not in roles:
            found.problems.append(
                _("camunda:candidateGroups %(group)s is no role (roles: %(roles)s)")
                % {"group": repr(names[0]), "roles": ", ".join(sorted(roles))}
            )
        else:
            found.properties["role"] = names[0]
            found.role_refused = False
    assignee = _attr(element, "assignee")
    if assignee is not None:
        found.properties["assignee"] = _expression(assignee)
    due = _attr(element, "dueDate")
    if due is not None:
        match = _EXPRESSION.match(due)
        found.properties["due"] = match.group(1).strip() if match else due
    priority = _attr(element, "priority")
    if priority is not None:
        match = _EXPRESSION.match(priority)
        found.properties["priority"] = match.group(1).strip() if match else priority
    form_data = element.find(f"{{*}}extensionElements/{{{CAMUNDA_NS}}}formData")
    if form_data is not None:
        found.form = _form(form_data, found.problems)
    return found


def _form(form_data: Any, problems: list[str]) -> dict[str, Any]:
    """``camunda:formData`` as a JSON Schema form; refusals are appended to ``problems``."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for node in form_data.iterfind(f"{{{CAMUNDA_NS}}}formField"):
        name = (node.get("id") or "").strip()
        if not _FIELD_NAME.match(name):
            problems.append(
                _("camunda:formField id %(id)s must be a name of letters, digits and underscores") % {"id": repr(name)}
            )
            continue
        kind = (node.get("type") or "").strip()
        if kind not in _FIELD_TYPES:
            problems.append(
                _("camunda:formField %(id)s: type %(type)s is not supported (use %(types)s)")
                % {"id": repr(name), "type": repr(kind), "types": ", ".join(_FIELD_TYPES)}
            )
            continue
        prop: dict[str, Any] = dict(_FIELD_TYPES[kind])
        label = (node.get("label") or "").strip()
        if label:
            prop["title"] = label
        if kind == "enum":
            choices = [
                {"const": value.get("id"), "title": (value.get("name") or value.get("id") or "").strip()}
                for value in node.iterfind(f"{{{CAMUNDA_NS}}}value")
            ]
            if not choices or any(not c["const"] for c in choices):
                problems.append(
                    _("camunda:formField %(id)s: an enum field needs camunda:value choices, each with an id")
                    % {"id": repr(name)}
                )
                continue
            prop["oneOf"] = choices
        default = node.get("defaultValue")
        if default is not None and default.strip():
            value = _default(kind, default.strip(), prop)
            if value is None:
                problems.append(
                    _("camunda:formField %(id)s: default value %(value)s is not a %(type)s")
                    % {"id": repr(name), "value": repr(default), "type": kind}
                )
                continue
            prop["default"] = value
        for constraint in node.iterfind(f"{{{CAMUNDA_NS}}}validation/{{{CAMUNDA_NS}}}constraint"):
            reason = _constrain(kind, constraint.get("name") or "", constraint.get("config"), prop)
            if reason == "required":
                required.append(name)
            elif reason:
                problems.append(_("camunda:formField %(id)s: %(reason)s") % {"id": repr(name), "reason": reason})
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _default(kind: str, text: str, prop: dict) -> Any:
    if kind == "long":
        return int(text) if re.fullmatch(r"-?\d+", text) else None
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower())
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    if kind == "enum":
        return text if text in {c["const"] for c in prop["oneOf"]} else None
    return text


def _constrain(kind: str, name: str, config: str | None, prop: dict) -> str:
    """Apply one ``camunda:constraint``: "required", "" when applied, else the reason it is refused."""
    if name == "required":
        return "required"
    if name == "readonly":
        prop["readOnly"] = True
        return ""
    bounds = {
        ("long", "min"): "minimum",
        ("long", "max"): "maximum",
        ("string", "minlength"): "minLength",
        ("string", "maxlength"): "maxLength",
    }
    keyword = bounds.get((kind, name))
    if keyword is None:
        return _("constraint %(name)s is not supported on a %(type)s field (LotFlow reads %(known)s)") % {
            "name": repr(name),
            "type": kind,
            "known": "required, readonly, min/max (long), minlength/maxlength (string)",
        }
    if config is None or not re.fullmatch(r"-?\d+", config.strip()):
        return _("constraint %(name)s needs a whole number as its config") % {"name": repr(name)}
    prop[keyword] = int(config.strip())
    return ""
