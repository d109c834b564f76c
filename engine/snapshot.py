"""What the mirror tables should hold for a workflow: ready user tasks, waiting
timers with their due times and waiting message events.

Taken before and after a command, the difference is exactly the rows to write.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.task import TaskState

from .timers import CLOCK_TIMERS, due_at
from .vocabulary import is_user_task


@dataclass
class Snapshot:
    ready: dict[str, Any] = field(default_factory=dict)  # task id -> task
    timers: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # id -> (element, due)
    waits: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (element, message)
    errors: dict[str, str] = field(default_factory=dict)  # task id -> element
    unfinished: int = 0  # top-level tasks not yet finished: the workflow cannot be complete


def _definitions(event_definition: Any) -> list[Any]:
    if isinstance(event_definition, MultipleEventDefinition):
        return list(event_definition.event_definitions)
    return [event_definition]


def all_tasks(workflow: Any) -> list[Any]:
    tasks = list(workflow.tasks.values())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return tasks


def take_snapshot(workflow: Any, bundle: Any = None) -> Snapshot:
    snap = Snapshot()
    for task in all_tasks(workflow):
        state = task.state
        if state & TaskState.NOT_FINISHED_MASK and task.workflow is workflow:
            snap.unfinished += 1
        spec = task.task_spec
        if state == TaskState.READY:
            if is_user_task(spec):
                snap.ready[str(task.id)] = task
        elif state == TaskState.WAITING and isinstance(spec, CatchingEvent):
            for definition in _definitions(spec.event_definition):
                if isinstance(definition, CLOCK_TIMERS):
                    when = due_at(task)
                    if when is not None:
                        snap.timers[str(task.id)] = (spec.bpmn_id or spec.name, when)
                elif isinstance(definition, MessageEventDefinition):
                    snap.waits[str(task.id)] = (spec.bpmn_id or spec.name, definition.name)
        elif state == TaskState.ERROR:
            snap.errors[str(task.id)] = spec.bpmn_id or spec.name
    return snap
