"""Where a user task stands in its process: step N of M, what comes next, when it escalates.

The definition is simple on purpose, and shown to people as such: N is the number of
user tasks the instance has completed, plus one; M is the number of distinct user
tasks drawn in the process (called processes not counted). A loop or a branch not
taken makes the count approximate, so N never shows more than M.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent

from .models import DueTimer, ItemKind, ItemStatus, ProcessInstance, WorkItem
from .store import bundle
from .translations import active_language, deployment_texts
from .vocabulary import is_user_task


@dataclass(frozen=True)
class Progress:
    step: int
    steps: int
    next_steps: list[str]  # names of the user tasks that may follow, in the reader's language
    escalates_at: datetime | None  # the item's due time or the instance's earliest timer


def item_progress(item: WorkItem, *, language: str | None = None) -> Progress | None:
    """The progress of a process's user task; None for standalone work."""
    if item.instance_id is None or item.kind != ItemKind.TASK:
        return None
    row = ProcessInstance.objects.filter(pk=item.instance_id).only("deployment_id", "callees").first()
    if row is None:
        return None
    spec = bundle(row.deployment_id, row.callees).spec
    user_tasks = {t.bpmn_id: t for t in spec.task_specs.values() if is_user_task(t) and t.bpmn_id}
    done = WorkItem.objects.filter(instance_id=row.pk, kind=ItemKind.TASK, status=ItemStatus.DONE).count()
    steps = max(len(user_tasks), 1)
    texts, lang = deployment_texts(row.deployment_id), active_language(language)
    following = _next_user_tasks(user_tasks.get(item.element_id))
    timer = DueTimer.objects.filter(instance_id=row.pk).order_by("due_at").values_list("due_at", flat=True).first()
    due = [d for d in (item.due_at, timer) if d is not None]
    return Progress(
        step=min(done + 1, steps),
        steps=steps,
        next_steps=[texts.text(t.bpmn_id, "name", lang, t.bpmn_name or t.bpmn_id) for t in following],
        escalates_at=min(due) if due else None,
    )


def _next_user_tasks(task_spec: Any) -> list[Any]:
    """The user tasks reached from ``task_spec`` through gateways, events and automatic tasks;
    not through boundary events, whose steps (an escalation) are not the way forward."""
    if task_spec is None:
        return []
    found: list[Any] = []
    seen = {id(task_spec)}
    todo = list(task_spec.outputs)
    while todo:
        spec = todo.pop(0)
        if id(spec) in seen or isinstance(spec, BoundaryEvent):
            continue
        seen.add(id(spec))
        if is_user_task(spec):
            if spec.bpmn_id and spec not in found:
                found.append(spec)
        else:
            todo.extend(spec.outputs)
    return found
