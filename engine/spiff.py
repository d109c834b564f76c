"""The one place that builds SpiffWorkflow's parser and its matching serializer.

Parse, run and store are separate: ``parse_files`` turns BPMN/DMN text into
specs, ``engine.runtime`` runs workflows, and the converters here turn a spec
(once, at deploy) and an instance's own state (at every step) into dicts.
An instance's state never carries the spec: the spec is stored once on its
deployment and handed back when the state is restored.
"""

import copy
import json
import logging
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin as _LibraryBoundaryEventJoin
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SPIFFWORKFLOW_NSMAP
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as _LibraryMessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from . import jsontext
from .scripting import SCRIPT_ENGINE
from .timers import CLOCK_TIMERS, use_engine_clock

SPIFF_NS = SPIFFWORKFLOW_NSMAP["spiffworkflow"]
# Stored with each instance: SpiffWorkflow's state format has changed between releases.
SERIALIZER_VERSION: str = VERSION


class InstanceStateConverter(BpmnWorkflowConverter):
    """A top-level workflow without its spec: the per-instance part only."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


# --- where LotFlow's semantics differ from SpiffWorkflow 3.2's ---------------------------------
# Both classes below keep the library's class names: the serializer knows a class by its name,
# so every stored spec (deployed before or after this change) is restored with them, and a
# freshly parsed spec (the library's classes) is written under the same names at deploy.


class MessageEventDefinition(_LibraryMessageEventDefinition):
    """The spiff parser's message definition, merging the payload of a message caught without
    a ``spiffworkflow:messageVariable`` into the task's data (the library drops it), as plain
    BPMN's definition and docs/bpmn-vocabulary.md say. Events sent from outside must be built
    with this class: definitions match only if their classes are the same."""

    def update_task_data(self, my_task: Any) -> None:
        payload = my_task.internal_data.pop(self.name, None)
        if self.message_var is not None:
            my_task.data[self.message_var] = payload
        elif isinstance(payload, dict):
            my_task.set_data(**payload)


class BoundaryEventJoin(_LibraryBoundaryEventJoin):
    """When the task a boundary event is attached to finishes, BPMN 2.0 ends its waiting events
    but not the paths a non-interrupting event already started. The library cancels a waiting
    cycle timer with everything it opened (the paths hang under the timer's task); here the
    timer stops and the paths it started live on."""

    def _check_threshold_structured(self, my_task: Any) -> tuple[bool, list]:
        finished, cancel = super()._check_threshold_structured(my_task)
        if finished:
            started = [t for t in cancel if _started_paths(t)]
            for task in started:
                my_task.workflow.top_workflow.event_manager.remove_task(task)
                task._set_state(TaskState.CANCELLED)  # the timer only: its children keep their states
            cancel = [t for t in cancel if t not in started]
        return finished, cancel


def _started_paths(task: Any) -> bool:
    spec = task.task_spec
    return (
        isinstance(spec, BoundaryEvent)
        and not spec.cancel_activity
        and isinstance(spec.event_definition, CycleTimerEventDefinition)
        and bool(task.children)
    )


def _build_registry() -> Any:
    config = copy.copy(SPIFF_CONFIG)
    config[BpmnWorkflow] = InstanceStateConverter
    # Registered after the library's classes of the same name: restoring a spec makes ours.
    config[MessageEventDefinition] = config[_LibraryMessageEventDefinition]
    config[BoundaryEventJoin] = config[_LibraryBoundaryEventJoin]
    for timer_class in CLOCK_TIMERS:
        config[timer_class] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer.configure(config)


_REGISTRY = _build_registry()
_TASK_TYPENAME = _REGISTRY.typenames[Task]
_INSTANCE_CONVERTER = InstanceStateConverter(BpmnWorkflow, _REGISTRY)


def keep_library_logs_cheap() -> None:
    """Give SpiffWorkflow's two loggers the level they inherit, when that is INFO or above.

    SpiffWorkflow 3.2 builds a log record's extras at every task state change even when
    the record is filtered out, and while a logger's own level is unset (below INFO) it
    adds each task's data, and at a workflow's start and end a walk of all its tasks
    (``collect_log_extras``: ``if logger.level < 20``). With the level they would inherit
    anyway, the same records are filtered and that work is skipped. Run once logging is
    configured (the app's ready()); a level set in LOGGING is left as it is.
    """
    for name in ("spiff.workflow", "spiff.task"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET and logger.getEffectiveLevel() >= logging.INFO:
            logger.setLevel(logger.getEffectiveLevel())


def spec_to_dict(spec: BpmnProcessSpec) -> dict:
    return _REGISTRY.convert(spec)


def spec_from_dict(dct: dict) -> BpmnProcessSpec:
    return _REGISTRY.restore(copy.deepcopy(dct))  # restoring consumes the dict


def state_to_dict(workflow: BpmnWorkflow) -> dict:
    _REGISTRY._encoder_mode = False
    return _INSTANCE_CONVERTER.to_dict(workflow)


# A task in one of these states is not changed again (a retry or reset changes its
# state first).
_FINAL_STATES = (TaskState.COMPLETED, TaskState.CANCELLED)
_dumps = jsontext.dumps
# Tests turn this on: every encoding is then compared with SpiffWorkflow's own.
VERIFY_ENCODING = False


class StateEncoder:
    """Encode one live workflow's state as JSON, reusing the encoding of its unchanged tasks.

    The text is exactly ``state_to_dict`` as JSON (tests check this at every save):
    each workflow's object is written with its tasks first, then the rest of its
    fields. A task that cannot have changed since its last encoding (``_reuse_key``)
    is not encoded again. One encoder belongs to one live workflow and starts empty
    whenever the workflow is restored.
    """

    def __init__(self) -> None:
        # id(task) -> (task, reuse key, encoding); the entry holds the task, so its id() is not reused
        self._kept: dict[int, tuple[Any, tuple, str]] = {}

    def encode(self, workflow: BpmnWorkflow) -> str:
        _REGISTRY._encoder_mode = False
        subprocesses = ",".join(
            f'"{task_id}":'
            + self._workflow(
                sub,
                {
                    **_fields(sub),
                    "parent_task_id": str(sub.parent_task_id),
                    "spec": sub.spec.name,
                    "typename": _REGISTRY.typenames[type(sub)],
                },
            )
            for task_id, sub in workflow.subprocesses.items()
        )
        rest = {**_fields(workflow), "bpmn_events": _REGISTRY.convert(workflow.bpmn_events)}
        text = self._workflow(workflow, rest)[:-1] + ',"subprocesses":{' + subprocesses + "}}"
        if VERIFY_ENCODING and json.loads(text) != json.loads(json.dumps(state_to_dict(workflow), default=str)):
            raise AssertionError("the reused encoding of unchanged tasks differs from SpiffWorkflow's own")
        return text

    def _workflow(self, workflow: Any, rest: dict) -> str:
        return '{"tasks":{' + ",".join(self._task(t) for t in workflow.tasks.values()) + "}," + _dumps(rest)[1:]

    def _task(self, task: Any) -> str:
        key = _reuse_key(task)
        if key is not None:
            kept = self._kept.get(id(task))
            if kept is not None and kept[0] is task and kept[1] == key:
                return kept[2]
        # {id: task} without its braces: the task's member of the workflow's "tasks" object.
        text = _dumps({task.id: _task_dict(task) if type(task) is Task else _REGISTRY.convert(task)})[1:-1]
        if key is not None:
            self._kept[id(task)] = (task, key, text)
        return text


def _reuse_key(task: Any) -> tuple | None:
    """What a task's encoding depends on, for the tasks whose encoding can be kept; else None.

    SpiffWorkflow stores a task's data as its difference from its parent's. A finished
    task under a finished parent never changes; a task with no data of its own (the
    predicted tasks ahead) is fully described by its state, children and parent's keys.
    """
    parent = task.parent
    if task.state in _FINAL_STATES and (parent is None or parent.state in _FINAL_STATES):
        return (task.state, task.last_state_change, tuple(task._children))
    if not task.data and not task.internal_data:
        return (
            task.state,
            task.last_state_change,
            task.triggered,
            tuple(task._children),
            tuple(parent.data) if parent is not None else None,
        )
    return None


def _task_dict(task: Task) -> dict:
    """SpiffWorkflow's TaskConverter.to_dict, without the registry's dispatch: a task's
    data is stored as the keys that differ from its parent's and the keys it dropped."""
    parent = task.parent
    if parent is None:
        data, delta = task.data, {}
    else:
        mine, theirs = task.data, parent.data
        data = {}
        delta = {
            "updates": {k: v for k, v in mine.items() if k not in theirs or v != theirs[k]},
            "deletions": [k for k in theirs if k not in mine],
        }
    return {  # ids as UUIDs: the JSON encoder writes them as str() would, and faster
        "id": task.id,
        "parent": task._parent if parent is not None else None,
        "children": task._children,
        "last_state_change": task.last_state_change,
        "state": task.state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": _REGISTRY.convert(task.internal_data) if task.internal_data else {},
        "data": data,
        "delta": delta,
        "typename": _TASK_TYPENAME,
    }


def _fields(workflow: Any) -> dict:
    """SpiffWorkflow's WorkflowConverter.to_dict without the tasks (the version is pinned;
    tests compare the whole encoding with the library's own at every save)."""
    return {
        "data": _REGISTRY.convert(_REGISTRY.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }


def state_from_dict(dct: dict, spec: BpmnProcessSpec, subprocess_specs: dict) -> BpmnWorkflow:
    workflow = _INSTANCE_CONVERTER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def new_workflow(spec: BpmnProcessSpec, subprocess_specs: dict) -> BpmnWorkflow:
    return BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)


def new_parser() -> SpiffBpmnParser:
    """A parser that validates against the BPMN schema and SpiffWorkflow's extensions."""
    from SpiffWorkflow.spiff.parser.process import VALIDATOR

    return SpiffBpmnParser(validator=VALIDATOR)


def parse_xml(text: str | bytes) -> Any:
    """lxml tree of a file, keeping line numbers for error messages."""
    data = text.encode() if isinstance(text, str) else text
    return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def finish_parsed_spec(spec: BpmnProcessSpec) -> None:
    """Make the timers of a freshly parsed spec read the engine's clock."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if definition is not None:
            use_engine_clock(definition)
