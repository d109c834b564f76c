"""What the instance page reads, in the words and times people read (never raw codes or ISO times)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from engine import api
from portal.crm.models import Role, Store
from portal.crm.scopes import Scope

from . import access
from .labels import ACTIONS, STATUSES, value_text


def diagram_xml(process_id: str, version: int) -> str:
    """The version's diagram as anyone working on it may see it: names in the reader's language, lanes
    named by role as people say it."""
    return api.public_diagram(process_id, version, lane_names={code: str(label) for code, label in Role.choices})


def _time(text: str | None) -> Any:
    return api.parse_aware(text) if text else None


def instance_page(instance_id: int, scope: Scope) -> dict[str, Any] | None:
    """The instance page's context, or None when the reader may not see the instance (a 404)."""
    try:
        detail = api.instance_detail(instance_id)
    except api.NotFound:
        return None
    if not access.may_view_instance(scope, detail["store_id"]):
        return None
    names = api.element_names(detail["process_id"], detail["version"])
    shown = api.instance_diagram(instance_id)
    store = (
        Store.objects.filter(pk=detail["store_id"]).values_list("name", flat=True).first()
        if detail["store_id"]
        else None
    )
    actors = {
        u.get_username(): u
        for u in get_user_model().objects.filter(username__in={e["actor"] for e in detail["audit"] if e["actor"]})
    }
    history = [
        {
            "at": _time(event["at"]),
            "actor": actors.get(event["actor"]),
            "action": ACTIONS.get(event["action"], event["action"]),
            "step": names.get(event["element_id"], event["element_id"]) if event["element_id"] else "",
        }
        for event in reversed(detail["audit"])
    ]
    tasks = [
        {
            "title": task["title"],
            "step": names.get(task["element_id"], task["element_id"]),
            "assignee": task["assignee"],
            "role": task["role"],
            "due_at": _time(task["due_at"]),
            "opened_at": _time(task["created_at"]),
        }
        for task in detail["open_tasks"]
    ]
    timers = [
        {"step": names.get(t["element_id"], t["element_id"]), "due_at": _time(t["due_at"])} for t in detail["timers"]
    ]
    incidents = [
        {
            **incident,
            "step": names.get(incident["element_id"], incident["element_id"]),
            "next_attempt_at": _time(incident["next_attempt_at"]),
            "created_at": _time(incident["created_at"]),
        }
        for incident in detail["incidents"]
    ]
    data = api.instance_data(instance_id)
    return {
        "detail": detail,
        "process_name": api.process_names({detail["process_id"]}).get(detail["process_id"], detail["process_id"]),
        "status": STATUSES.get(detail["status"], detail["status"]),
        "running": detail["status"] == "running",
        "store": store or _("Group-wide"),
        "started_at": _time(detail["started_at"]),
        "ended_at": _time(detail["ended_at"]),
        "waiting_at": [names.get(e, e) for e in shown["waiting"]],
        "tasks": tasks,
        "timers": timers,
        "incidents": incidents,
        "history": history,
        "legend": ["waiting", "done", "incident"],
        "data": _data(data, api.data_labels(detail["process_id"], detail["version"])),
        "diagram": {
            "xml": diagram_xml(detail["process_id"], detail["version"]),
            "markers": {"waiting": shown["waiting"], "done": shown["done"], "incident": shown["incidents"]},
            "failed": _("The diagram cannot be shown."),
        },
    }


def _data(data: dict[str, Any], labels: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The process data by the titles of the forms that asked for it (fields no form asks for by their
    names), choices by their labels; titled fields first."""
    shown = []
    for key, value in data.items():
        known = labels.get(key)
        choices = known["choices"] if known else {}
        if isinstance(value, list):
            text = "、".join(str(choices.get(str(v), value_text(v))) for v in value) or "—"
        else:
            text = str(choices.get(str(value), value_text(value))) if value is not None else "—"
        shown.append({"name": known["label"] if known else key, "value": text, "titled": bool(known)})
    return sorted(shown, key=lambda d: (not d["titled"], d["name"]))
