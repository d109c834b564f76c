"""Keep the mirror tables (work items, due timers, message waits) equal to the state.

``sync_mirror`` writes only the difference between the snapshot taken when the
live workflow was loaded (or last saved) and the one taken now.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import sql
from .errors import NotFound, describe_failure
from .models import DueTimer, ItemKind, ItemStatus, MessageWait
from .permissions import grants_for, holds, user_by_name
from .scripting import SCRIPT_ENGINE
from .snapshot import Snapshot
from .timers import is_literal
from .translations import item_texts
from .vocabulary import DEFAULT_PRIORITY, TaskSettings, fill_instructions


def build_items(live: Any, after: Snapshot, *, now: datetime) -> tuple[list[dict[str, Any]], list[tuple]]:
    """Rows for the user tasks that became ready, and (task id, element, error) for those
    whose properties could not be evaluated: those are set to ERROR and left out of ``after``."""
    rows, refused = [], []
    for task_id, task in list(after.ready.items()):
        if task_id in live.before.ready:
            continue
        try:
            rows.append(_work_item(live, task, now))
        except Exception as err:  # noqa: BLE001 - any failing property expression
            task._set_state(TaskState.ERROR)
            after.unfinished -= task.workflow is live.workflow
            del after.ready[task_id]
            after.errors[task_id] = task.task_spec.bpmn_id or task.task_spec.name
            refused.append((task_id, after.errors[task_id], f"task properties: {describe_failure(err)}"))
    return rows, refused


def sync_mirror(live: Any, after: Snapshot, new_items: list[dict[str, Any]], *, closed: str = "") -> list[int]:
    """Write the rows that changed; returns the ids of the work items opened.

    ``closed`` is the task whose item the caller has already closed as done.
    """
    before = live.before
    instance_id = live.row.pk
    gone = [t for t in before.ready if t not in after.ready and t != closed]
    if gone:
        sql.cancel_items(instance_id, gone)
    opened = [sql.insert_item({**values, "instance_id": instance_id}) for values in new_items]

    stale = [t for t, v in before.timers.items() if after.timers.get(t) != v]
    if stale:
        DueTimer.objects.filter(instance_id=instance_id, task_id__in=stale).delete()
    fresh = [
        DueTimer(instance_id=instance_id, task_id=t, element_id=el, due_at=due)
        for t, (el, due) in after.timers.items()
        if before.timers.get(t) != (el, due)
    ]
    if fresh:
        DueTimer.objects.bulk_create(fresh)

    ended = [t for t in before.waits if t not in after.waits]
    if ended:
        MessageWait.objects.filter(instance_id=instance_id, task_id__in=ended).delete()
    waits = [
        MessageWait(instance_id=instance_id, task_id=t, element_id=el, name=name, business_key=live.row.business_key)
        for t, (el, name) in after.waits.items()
        if t not in before.waits
    ]
    if waits:
        MessageWait.objects.bulk_create(waits)
    return opened


def _work_item(live: Any, task: Any, now: datetime) -> dict[str, Any]:
    ts: TaskSettings = live.bundle.settings_for(task.task_spec)
    data = task.data
    schema = live.bundle.forms.get(ts.form) if ts.form else None
    fields = (schema or {}).get("properties") or {}
    store = live.row.store_id if live.row.store_id is not None else data.get("store_id")
    if ts.store:
        store = _evaluate(task, ts.store)
    store_id = int(store) if store not in (None, "") else None
    excluded = _names(_evaluate(task, ts.exclude)) if ts.exclude else []
    if ts.assignee:
        assignee = _user_id(_evaluate(task, ts.assignee))
    elif ts.continues:
        assignee = _continuer(data.get(f"{ts.continues}_by"), ts.role, store_id, excluded)
    else:
        assignee = None
    return {
        "task_id": str(task.id),
        "element_id": ts.element_id,
        "kind": ItemKind.TASK,
        "title": ts.title,
        "process_id": live.row.process_id,
        "role": ts.role,
        "store_id": store_id,
        "assignee_id": assignee,
        "excluded": excluded,
        "form": ts.form,
        "instructions": fill_instructions(ts.instructions, data),
        "values": {k: data[k] for k in fields if k in data},
        "texts": item_texts(_deployment_of(live, task), ts.element_id, ts.instructions, data),
        "subject_label": str(_evaluate(task, ts.subject) or "")[:300] if ts.subject else "",
        "subject_ref": str(_evaluate(task, ts.subject_ref) or "")[:100] if ts.subject_ref else "",
        "due_at": _due(task, ts.due, now) if ts.due else None,
        "priority": _priority(task, ts.priority),
        "created_at": now,
        "status": ItemStatus.OPEN,
        "claimed": False,
    }


def _deployment_of(live: Any, task: Any) -> int:
    """The deployment whose file draws the task: a called process's, or the instance's own."""
    callees = live.row.callees or {}
    return int(callees.get(task.workflow.spec.name, live.bundle.deployment_id))


def _evaluate(task: Any, expression: str) -> Any:
    return SCRIPT_ENGINE.evaluate(task, expression)


def _user_id(username: Any) -> int | None:
    """The user an assignee expression names; None (the item waits in its role's queue) when
    there is none, or they may do nothing any more (a salesperson who left)."""
    if not username:
        return None
    try:
        found = user_by_name(str(username))
    except NotFound:
        return None
    return found.pk if grants_for(found) else None


def _continuer(username: Any, role: str, store_id: int | None, excluded: list[str]) -> int | None:
    """The user who completed the step a ``continues`` property names, when they may still do
    this one (they hold its role in its store and are not excluded); None otherwise: the item
    waits in its role's queue, as it would without the property (a leaver, a moved person)."""
    if not username or str(username) in excluded:
        return None
    try:
        found = user_by_name(str(username))
    except NotFound:
        return None
    return found.pk if role and holds(grants_for(found), role, store_id) else None


def _names(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value if v]
    return [str(value)]


def _due(task: Any, due: str, now: datetime) -> datetime | None:
    fixed = _fixed_duration(due)
    if fixed is not None:
        return now + fixed
    text = due.strip() if is_literal(due) else str(_evaluate(task, due) or "")
    if not text:
        return None
    if text.upper().startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    return TimerEventDefinition.get_datetime(text)


@lru_cache(maxsize=256)
def _fixed_duration(due: str) -> timedelta | None:
    """A literal duration without years or months is as long from any start; else None."""
    text = due.strip()
    if not is_literal(due) or not text.upper().startswith("P"):
        return None
    parsed = TimerEventDefinition.parse_iso_duration(text)
    if parsed.get("years") or parsed.get("months"):
        return None
    return TimerEventDefinition.get_timedelta_from_start(parsed, datetime(2000, 1, 1, tzinfo=UTC))


def _priority(task: Any, priority: str | None) -> int:
    if not priority:
        return DEFAULT_PRIORITY
    value = int(priority) if priority.strip().isdigit() else int(_evaluate(task, priority))
    return min(5, max(1, value))
