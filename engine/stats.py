"""Where a process's instances wait and how long each step takes, from the work-item mirror.

Each user task's work item records when it opened and when it was done, so a
step's time is completed_at - created_at over its done items, and "waiting at
a step" is its open items. Timers and messages an instance waits on are
counted from their mirror rows too.
"""

from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F

from .errors import NotFound
from .models import Deployment, DueTimer, InstanceStatus, ItemStatus, MessageWait, ProcessInstance, WorkItem


def process_stats(process_id: str) -> dict[str, Any]:
    """Per step (BPMN element): instances waiting there now, and the average time spent in it."""
    if not Deployment.objects.filter(process_id=process_id).exists():
        raise NotFound(f"no process {process_id!r} is deployed")
    instances = dict(
        ProcessInstance.objects.filter(process_id=process_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    items = WorkItem.objects.filter(process_id=process_id, instance__isnull=False)
    steps: dict[str, dict[str, Any]] = {}

    def step(element: str, title: str = "") -> dict[str, Any]:
        return steps.setdefault(
            element,
            {"element_id": element, "title": title or element, "waiting": 0, "done": 0, "average_seconds": None},
        )

    for element, title, waiting in (
        items.filter(status=ItemStatus.OPEN)
        .values("element_id", "title")
        .annotate(n=Count("id"))
        .values_list("element_id", "title", "n")
    ):
        step(element, title)["waiting"] = waiting
    spent = ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())
    for element, title, done, average in (
        items.filter(status=ItemStatus.DONE)
        .values("element_id", "title")
        .annotate(n=Count("id"), avg=Avg(spent))
        .values_list("element_id", "title", "n", "avg")
    ):
        entry = step(element, title)
        entry["done"] = done
        entry["average_seconds"] = round(average.total_seconds(), 1) if average is not None else None
    running = {"instance__process_id": process_id, "instance__status": InstanceStatus.RUNNING}
    for model in (DueTimer, MessageWait):
        for element, waiting in (
            model.objects.filter(**running).values("element_id").annotate(n=Count("id")).values_list("element_id", "n")
        ):
            step(element)["waiting"] += waiting
    return {
        "process_id": process_id,
        "instances": instances,
        "steps": sorted(steps.values(), key=lambda s: (-s["waiting"], s["element_id"])),
    }
