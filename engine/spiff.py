"""The one place that builds SpiffWorkflow's parser and its matching serializer.

Parse, run and store are separate: ``parse_files`` turns BPMN/DMN text into
specs, ``engine.runtime`` runs workflows, and the converters here turn a spec
(once, at deploy) and an instance's own state (at every step) into dicts.
An instance's state never carries the spec: the spec is stored once on its
deployment and handed back when the state is restored.
"""

import copy
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
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SPIFFWORKFLOW_NSMAP
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

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


def _build_registry() -> Any:
    config = copy.copy(SPIFF_CONFIG)
    config[BpmnWorkflow] = InstanceStateConverter
    for timer_class in CLOCK_TIMERS:
        config[timer_class] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer.configure(config)


_REGISTRY = _build_registry()
_INSTANCE_CONVERTER = InstanceStateConverter(BpmnWorkflow, _REGISTRY)


def spec_to_dict(spec: BpmnProcessSpec) -> dict:
    return _REGISTRY.convert(spec)


def spec_from_dict(dct: dict) -> BpmnProcessSpec:
    return _REGISTRY.restore(copy.deepcopy(dct))  # restoring consumes the dict


def state_to_dict(workflow: BpmnWorkflow) -> dict:
    _REGISTRY._encoder_mode = False
    return _INSTANCE_CONVERTER.to_dict(workflow)


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

