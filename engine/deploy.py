"""Validate BPMN (with its DMN and form files) and store it as a new version.

Everything is checked before anything is stored: one invalid file refuses the
whole batch, and the version that was live stays live. Each problem names the
file, the element id and the reason.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity as CallActivityMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, clock, registry, spiff, timers
from .conf import setting
from .errors import Conflict, DeploymentRefused, Problem
from .forms import schema_problems
from .models import Deployment
from .scripting import check_script
from .translations import bpmn_texts
from .vocabulary import EXPRESSION_PROPERTIES, is_user_task, task_settings

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS, "spiffworkflow": spiff.SPIFF_NS}
SUPPORTED_HIT_POLICIES = {"UNIQUE", "COLLECT"}
# SpiffWorkflow names its own start and end task specs so; an element with the
# same id would silently replace them.
RESERVED_IDS = {"Start", "End", "Root"}
# A "?" outside quotes in a DMN input entry stands for the input's value; SpiffWorkflow's
# DMNEngine.evaluate replaces it with this name before evaluating (same pattern).
_DMN_INPUT_MARK = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")


@dataclass
class Source:
    name: str
    text: str

    @property
    def kind(self) -> str:
        suffix = Path(self.name).suffix.lower()
        return {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}.get(suffix, "unknown")


@dataclass
class Deployed:
    process_id: str
    version: int
    unchanged: bool = False


@dataclass
class _Batch:
    sources: list[Source]
    form_dirs: list[Path]
    problems: list[Problem] = field(default_factory=list)
    forms: dict[str, Any] = field(default_factory=dict)

    def refuse(self, file: str, element: str, reason: str) -> None:
        self.problems.append(Problem(file, element or "(file)", reason))


def deploy_paths(paths: Iterable[str | Path], *, user: Any = None) -> list[Deployed]:
    """Deploy files from disk; forms are also looked up beside each BPMN file."""
    sources, dirs = [], []
    for raw in paths:
        path = Path(raw)
        try:
            sources.append(Source(path.name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as err:
            raise DeploymentRefused([Problem(str(raw), "(file)", f"cannot read: {err}")]) from err
        dirs.append(path.parent / "forms")
    return deploy_sources(sources, form_dirs=dirs, user=user)


def deploy_sources(sources: list[Source], *, form_dirs: Iterable[Path] = (), user: Any = None) -> list[Deployed]:
    batch = _Batch(sources, [*form_dirs, Path(setting("PROCESS_DIR")) / "forms"])
    parsed = _parse(batch)
    if batch.problems:
        raise DeploymentRefused(batch.problems)
    return _store(batch, parsed, user)


def check_sources(sources: list[Source], *, form_dirs: Iterable[Path] = ()) -> list[Problem]:
    """Every problem deploying ``sources`` would refuse, without storing anything (the studio's check)."""
    batch = _Batch(sources, [*form_dirs, Path(setting("PROCESS_DIR")) / "forms"])
    _parse(batch)
    return batch.problems


@dataclass
class _Parsed:
    process_id: str
    name: str
    source: Source
    spec: Any
    embedded: dict[str, Any]
    called: list[str]
    forms: dict[str, Any]


def _parse(batch: _Batch) -> list[_Parsed]:
    parser = spiff.new_parser()
    trees: dict[str, Any] = {}
    for source in batch.sources:
        if source.kind == "form":
            _load_form_source(batch, source)
            continue
        if source.kind == "unknown":
            batch.refuse(source.name, "", "unknown file type (expected .bpmn, .dmn or .json)")
            continue
        try:
            tree = spiff.parse_xml(source.text)
        except etree.XMLSyntaxError as err:
            batch.refuse(source.name, f"line {err.lineno}", f"not well-formed XML: {err.msg}")
            continue
        trees[source.name] = tree
        try:
            if source.kind == "bpmn":
                parser.add_bpmn_xml(tree, filename=source.name)
            else:
                _check_dmn(batch, source.name, tree)
                parser.add_dmn_xml(tree, filename=source.name)
        except ValidationException as err:
            batch.refuse(err.file_name or source.name, err.id or _line(err), _reason(err))
        except SpiffWorkflowException as err:
            batch.refuse(source.name, "", str(err))
    if batch.problems:
        return []
    for name, tree in trees.items():
        if name.lower().endswith(".bpmn"):
            _check_xml(batch, name, tree)
    results = []
    batch_ids = set(parser.get_process_ids())
    for source in batch.sources:
        if source.kind != "bpmn" or source.name not in trees:
            continue
        for node in trees[source.name].iterfind(f".//{{{BPMN_NS}}}process"):
            if node.get("isExecutable", "true") == "false":
                continue
            parsed = _parse_process(batch, parser, source, node.get("id"), batch_ids)
            if parsed is not None:
                results.append(parsed)
    if not results and not batch.problems:
        batch.refuse(", ".join(s.name for s in batch.sources), "", "no executable process found")
    return results


def _parse_process(batch: _Batch, parser: Any, source: Source, pid: str, batch_ids: set[str]) -> Any:
    try:
        spec = parser.get_spec(pid)
        embedded: dict[str, Any] = {}
        called: list[str] = []
        _collect_subprocesses(parser, spec, embedded, called)
    except ValidationException as err:
        batch.refuse(err.file_name or source.name, err.id or pid, _reason(err))
        return None
    except SpiffWorkflowException as err:
        batch.refuse(source.name, pid, str(err))
        return None
    for callee in called:
        if callee not in batch_ids and not Deployment.objects.filter(process_id=callee).exists():
            callers = [
                t.bpmn_id
                for each in [spec, *embedded.values()]
                for t in each.task_specs.values()
                if isinstance(t, CallActivityMixin) and t.spec == callee
            ]
            batch.refuse(
                source.name, callers[0] if callers else pid, f"calls process {callee!r}, which is not deployed"
            )
    forms: dict[str, Any] = {}
    specs = [spec, *embedded.values()]
    user_tasks = {t.bpmn_id for each in specs for t in each.task_specs.values() if is_user_task(t)}
    for each in specs:
        spiff.finish_parsed_spec(each)
        for task_spec in each.task_specs.values():
            _check_task(batch, source.name, task_spec, forms, user_tasks)
    return _Parsed(pid, spec.description or pid, source, spec, embedded, called, forms)


def _collect_subprocesses(parser: Any, spec: Any, embedded: dict, called: list) -> None:
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, CallActivityMixin):
            if task_spec.spec not in called:
                called.append(task_spec.spec)
        elif isinstance(task_spec, SubWorkflowMixin) and task_spec.spec not in embedded:
            sub = parser.get_spec(task_spec.spec)
            embedded[task_spec.spec] = sub
            _collect_subprocesses(parser, sub, embedded, called)


def _check_task(batch: _Batch, file: str, task_spec: Any, forms: dict, user_tasks: set[str]) -> None:
    if is_user_task(task_spec):
        ts = task_settings(task_spec)
        if not ts.role and not ts.assignee:
            batch.refuse(file, ts.element_id, "a user task needs a lane (its role) or an assignee")
        if ts.continues:
            _check_continues(batch, file, ts, user_tasks)
        if ts.form:
            schema = _find_form(batch, ts.form)
            if schema is None:
                batch.refuse(file, ts.element_id, f"form file {ts.form!r} not found")
            else:
                for reason in schema_problems(schema):
                    batch.refuse(ts.form, ts.element_id, reason)
                forms[ts.form] = schema
        checked: tuple[tuple[str, str | None], ...] = (
            *((n, getattr(ts, "subject_ref" if n == "subjectRef" else n)) for n in EXPRESSION_PROPERTIES),
            ("due", None if ts.due is None or timers.is_literal(ts.due) else ts.due),
            ("priority", None if ts.priority is None or ts.priority.strip().isdigit() else ts.priority),
        )
        for prop_name, value in checked:
            refusal = check_script(value, "eval") if value else None
            if refusal:
                batch.refuse(file, ts.element_id, f"property {prop_name!r}: {refusal}")
        if ts.priority and ts.priority.strip().isdigit() and not 1 <= int(ts.priority) <= 5:
            batch.refuse(file, ts.element_id, "property 'priority' must be between 1 and 5")
    operation = getattr(task_spec, "operation_name", None)
    if operation is not None and registry.service(operation) is None:
        batch.refuse(file, task_spec.bpmn_id, f"service function {operation!r} is not registered")


def _check_continues(batch: _Batch, file: str, ts: Any, user_tasks: set[str]) -> None:
    """``continues`` names a user task of the same process (whose ``<id>_by`` the engine records)
    and replaces ``assignee``: a task says one of them, not both."""
    if ts.continues not in user_tasks:
        known = ", ".join(sorted(user_tasks))
        batch.refuse(
            file, ts.element_id, f"property 'continues': {ts.continues!r} is no user task of this process ({known})"
        )
    if ts.assignee:
        batch.refuse(file, ts.element_id, "properties 'assignee' and 'continues' exclude each other; keep one")


def _check_xml(batch: _Batch, file: str, tree: Any) -> None:
    """Lanes and every expression in the file, located by element id."""
    roles = set(setting("ROLES"))
    for lane in tree.iterfind(".//bpmn:lane", NS):
        if (lane.get("name") or "").strip() not in roles:
            batch.refuse(
                file, lane.get("id"), f"lane {lane.get('name')!r} names no role (roles: {', '.join(sorted(roles))})"
            )
    for node in tree.iter():
        if node.get("id") in RESERVED_IDS and isinstance(node.tag, str) and node.tag.startswith(f"{{{BPMN_NS}}}"):
            batch.refuse(file, node.get("id"), "this id is reserved by the engine; choose another")
    checks = [
        (".//bpmn:conditionExpression", "eval", "condition"),
        (".//bpmn:scriptTask/bpmn:script", "exec", "script"),
        (".//spiffworkflow:preScript", "exec", "pre-script"),
        (".//spiffworkflow:postScript", "exec", "post-script"),
        (".//spiffworkflow:messagePayload", "eval", "message payload"),
        (".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", "eval", "correlation"),
        (".//bpmn:loopCardinality", "eval", "loop cardinality"),
        (".//bpmn:completionCondition", "eval", "completion condition"),
    ]
    for path, mode, what in checks:
        for node in tree.iterfind(path, NS):
            _check_text(batch, file, node, node.text, mode, what)
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in tree.iterfind(f".//bpmn:{tag}", NS):
            text = (node.text or "").strip()
            if not text:
                batch.refuse(file, _owner(node), f"empty timer {tag}")
            elif not timers.is_literal(text):
                _check_text(batch, file, node, text, "eval", "timer")
    for node in tree.iterfind(".//spiffworkflow:parameter", NS):
        _check_text(batch, file, node, node.get("value"), "eval", f"parameter {node.get('id')!r}")
    for element_id, reason in bpmn_texts(tree)[1]:
        batch.refuse(file, element_id, reason)


def _check_dmn(batch: _Batch, file: str, tree: Any) -> None:
    for table in tree.iter("{*}decisionTable"):
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES:
            batch.refuse(file, _owner(table), f"hit policy {policy} is not implemented (use UNIQUE or COLLECT)")
        if table.get("aggregation"):
            batch.refuse(file, _owner(table), "COLLECT with an aggregation is not implemented")
    for node in tree.iter("{*}inputExpression"):
        text = node.findtext("{*}text")
        _check_text(batch, file, node, text, "eval", "input expression")
    for node in tree.iter("{*}outputEntry"):
        _check_text(batch, file, node, node.findtext("{*}text"), "eval", "output entry")
    for node in tree.iter("{*}inputEntry"):
        text = _DMN_INPUT_MARK.sub("dmninputexpr", (node.findtext("{*}text") or "").strip())
        if text and text != "-":
            reasons = [
                check_script(candidate, "eval")
                for candidate in (text, f"dmninputexpr {text}", f"dmninputexpr in ({text},)")
            ]
            if all(reasons):
                batch.refuse(file, _owner(node), f"input entry: {reasons[0]}")


def _check_text(batch: _Batch, file: str, node: Any, text: str | None, mode: str, what: str) -> None:
    if text is None or not text.strip():
        return
    reason = check_script(text, mode)
    if reason:
        batch.refuse(file, _owner(node), f"{what}: {reason}")


def _owner(node: Any) -> str:
    """The id of the element a person sees in the modeler: the event, not its event
    definition; the task, not an extension element (a service parameter's id is its name)."""
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if node.get("id") and not tag.startswith(f"{{{spiff.SPIFF_NS}}}") and not tag.endswith("EventDefinition"):
            return node.get("id")
        node = node.getparent()
    return ""


def _line(err: ValidationException) -> str:
    return f"line {err.line_number}" if err.line_number else ""


def _reason(err: ValidationException) -> str:
    return str(err).split("\n")[0]


def _load_form_source(batch: _Batch, source: Source) -> None:
    try:
        batch.forms[source.name] = json.loads(source.text)
    except json.JSONDecodeError as err:
        batch.refuse(source.name, f"line {err.lineno}", f"not valid JSON: {err.msg}")


def _find_form(batch: _Batch, name: str) -> Any:
    if name in batch.forms:
        return batch.forms[name]
    for folder in batch.form_dirs:
        path = folder / name
        if path.is_file():
            try:
                batch.forms[name] = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                batch.refuse(name, "(file)", f"not valid JSON: {err}")
                return {}
            return batch.forms[name]
    return None


def _checksum(parsed: _Parsed, dmn: dict[str, str]) -> str:
    digest = hashlib.sha256(parsed.source.text.encode())
    digest.update(json.dumps([parsed.process_id, parsed.forms, dmn], sort_keys=True).encode())
    return digest.hexdigest()


def _store(batch: _Batch, parsed: list[_Parsed], user: Any) -> list[Deployed]:
    dmn = {s.name: s.text for s in batch.sources if s.kind == "dmn"}
    results = []
    try:
        with transaction.atomic():
            for item in parsed:
                checksum = _checksum(item, dmn)
                live = Deployment.objects.filter(process_id=item.process_id).order_by("-version").first()
                if live is not None and live.checksum == checksum:
                    results.append(Deployed(item.process_id, live.version, unchanged=True))
                    continue
                top = Deployment.objects.filter(process_id=item.process_id).aggregate(v=Max("version"))["v"]
                deployment = Deployment.objects.create(
                    process_id=item.process_id,
                    version=(top or 0) + 1,
                    name=item.name,
                    bpmn_file=item.source.name,
                    bpmn_xml=item.source.text,
                    dmn_files=dmn,
                    forms=item.forms,
                    spec={
                        "process": spiff.spec_to_dict(item.spec),
                        "subprocesses": {k: spiff.spec_to_dict(v) for k, v in item.embedded.items()},
                    },
                    called_processes=item.called,
                    checksum=checksum,
                    deployed_by=user,
                    deployed_at=clock.now(),
                )
                audit.record(
                    "deployed",
                    actor=user,
                    process_id=item.process_id,
                    data={"version": deployment.version, "file": item.source.name},
                )
                results.append(Deployed(item.process_id, deployment.version))
    except IntegrityError as err:
        raise Conflict("another deployment of the same process was stored at the same time; try again") from err
    return results
