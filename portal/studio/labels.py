"""How the processes pages say things: audit actions, instance states, times spent, element kinds,
what changed between two versions."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

ACTIONS = {
    "started": pgettext_lazy("process history", "started"),
    "claimed": pgettext_lazy("process history", "claimed"),
    "released": pgettext_lazy("process history", "released to the queue"),
    "assigned": pgettext_lazy("process history", "handed over"),
    "handed_over": pgettext_lazy("process history", "handed over"),
    "completed": pgettext_lazy("process history", "completed"),
    "dismissed": pgettext_lazy("process history", "dismissed"),
    "created": pgettext_lazy("process history", "created"),
    "withdrawn": pgettext_lazy("process history", "withdrawn"),
    "cancelled": pgettext_lazy("process history", "cancelled"),
    "message": pgettext_lazy("process history", "message received"),
    "timer_fired": pgettext_lazy("process history", "timer fired"),
    "incident": pgettext_lazy("process history", "automatic step failed"),
    "retried": pgettext_lazy("process history", "retried"),
    "deployed": pgettext_lazy("process history", "deployed"),
    "rolled_back": pgettext_lazy("process history", "rolled back"),
}

STATUSES = {
    "running": pgettext_lazy("instance status", "Running"),
    "completed": pgettext_lazy("instance status", "Completed"),
    "cancelled": pgettext_lazy("instance status", "Cancelled"),
    "failed": pgettext_lazy("instance status", "Ended in error"),
}

INCIDENT_STATUSES = {
    "retrying": pgettext_lazy("incident status", "Retrying"),
    "waiting": pgettext_lazy("incident status", "Waiting for an administrator"),
    "resolved": pgettext_lazy("incident status", "Resolved"),
    "cancelled": pgettext_lazy("incident status", "Cancelled"),
}

KINDS = {
    "userTask": pgettext_lazy("bpmn element", "User task"),
    "serviceTask": pgettext_lazy("bpmn element", "Service task"),
    "scriptTask": pgettext_lazy("bpmn element", "Script task"),
    "businessRuleTask": pgettext_lazy("bpmn element", "Business rule task"),
    "manualTask": pgettext_lazy("bpmn element", "Manual task"),
    "task": pgettext_lazy("bpmn element", "Task"),
    "callActivity": pgettext_lazy("bpmn element", "Call activity"),
    "subProcess": pgettext_lazy("bpmn element", "Subprocess"),
    "exclusiveGateway": pgettext_lazy("bpmn element", "Exclusive gateway"),
    "parallelGateway": pgettext_lazy("bpmn element", "Parallel gateway"),
    "inclusiveGateway": pgettext_lazy("bpmn element", "Inclusive gateway"),
    "eventBasedGateway": pgettext_lazy("bpmn element", "Event-based gateway"),
    "startEvent": pgettext_lazy("bpmn element", "Start event"),
    "endEvent": pgettext_lazy("bpmn element", "End event"),
    "intermediateCatchEvent": pgettext_lazy("bpmn element", "Catch event"),
    "intermediateThrowEvent": pgettext_lazy("bpmn element", "Throw event"),
    "boundaryEvent": pgettext_lazy("bpmn element", "Boundary event"),
    "sequenceFlow": pgettext_lazy("bpmn element", "Sequence flow"),
    "lane": pgettext_lazy("bpmn element", "Lane"),
}

EVENT_KINDS = {
    "timer": pgettext_lazy("bpmn event", "timer"),
    "message": pgettext_lazy("bpmn event", "message"),
    "signal": pgettext_lazy("bpmn event", "signal"),
    "error": pgettext_lazy("bpmn event", "error"),
    "escalation": pgettext_lazy("bpmn event", "escalation"),
    "terminate": pgettext_lazy("bpmn event", "terminate"),
    "conditional": pgettext_lazy("bpmn event", "conditional"),
}

CHANGES = {
    "name": pgettext_lazy("version change", "Name"),
    "type": pgettext_lazy("version change", "Type"),
    "condition": pgettext_lazy("version change", "Condition"),
    "property": pgettext_lazy("version change", "Setting"),
    "form": pgettext_lazy("version change", "Form fields"),
}


def kind_label(kind: str) -> str:
    """``boundaryEvent:timer`` -> 边界事件（定时器）."""
    base, _sep, event = kind.partition(":")
    label = str(KINDS.get(base, base))
    if event:
        return _("%(kind)s (%(event)s)") % {"kind": label, "event": EVENT_KINDS.get(event.lower(), event)}
    return label


def duration(seconds: float | None) -> str:
    """A time spent, in the largest unit that says it: 3 天 4 小时, 2 小时 5 分钟, 40 分钟, 30 秒."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes and not days and len(parts) < 2:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if not parts:
        parts.append(ngettext("%(n)s second", "%(n)s seconds", secs) % {"n": secs})
    return " ".join(parts)


def value_text(value: Any) -> str:
    """A process data value as a person reads it: yes/no, lists joined, nested values as key: value."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list):
        return "、".join(value_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_text(v)}" for k, v in value.items()) or "—"
    return str(value)
