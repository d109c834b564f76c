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
from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity as CallActivityMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import audit, camunda, clock, registry, spiff, timers
from .conf import setting
from .errors import Conflict, DeploymentRefused, Problem
from .forms import schema_problems
from .models import Deployment
from .scripting import check_script
from .translations import bpmn_texts
from .vocabulary import EXPRESSION_PROPERTIES, is_user_task, task_settings

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS, "spiffworkflow": spiff.SPIFF_NS, "camunda": camunda.CAMUNDA_NS}
# A file larger than this (settings.LOTFLOW["DEPLOY_MAX_FILE_BYTES"]) is refused before it is parsed.
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
# A timer value that starts like an ISO 8601 literal is one, not an expression (``PT1X`` is a typo).
_ISO_ATTEMPT = re.compile(r"^(R\d*/|P\d|PT\d|\d{4}-\d)")
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
            if path.stat().st_size > max_file_bytes():
                raise DeploymentRefused([Problem(path.name, "(file)", _too_large())])
            sources.append(Source(path.name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as err:
            raise DeploymentRefused(
                [Problem(str(raw), "(file)", _("cannot read the file: %(error)s") % {"error": err})]
            ) from err
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


def max_file_bytes() -> int:
    return int(setting("DEPLOY_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def _too_large() -> str:
    limit = max_file_bytes()
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else _("%(count)s bytes") % {"count": limit}
    return _("the file is larger than the limit of %(size)s") % {"size": size}


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
        if source.kind == "unknown":
            batch.refuse(source.name, "", _("unknown file type (expected .bpmn, .dmn or .json)"))
            continue
        if len(source.text) > max_file_bytes() or len(source.text.encode("utf-8")) > max_file_bytes():
            batch.refuse(source.name, "", _too_large())
            continue
        if source.kind == "form":
            _load_form_source(batch, source)
            continue
        try:
            tree = spiff.parse_xml(source.text)
        except etree.XMLSyntaxError as err:
            batch.refuse(
                source.name,
                _("line %(line)s") % {"line": err.lineno},
                _("not well-formed XML: %(error)s") % {"error": err.msg},
            )
            continue
        if not _root_fits(source.kind, tree):
            batch.refuse(
                source.name,
                "",
                _("not a %(kind)s file: its root element is <%(root)s>, not <definitions> of the %(kind)s namespace")
                % {"kind": source.kind.upper(), "root": etree.QName(tree).localname},
            )
            continue
        trees[source.name] = tree
        if source.kind == "bpmn":
            camunda.unwrap_expressions(tree)
        try:
            if source.kind == "bpmn":
                parser.add_bpmn_xml(tree, filename=source.name)
            else:
                _check_dmn(batch, source.name, tree)
                parser.add_dmn_xml(tree, filename=source.name)
        except ValidationException as err:
            batch.refuse(err.file_name or source.name, err.id or _located(tree, err), _reason(err))
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
            parsed = _parse_process(batch, parser, source, node.get("id"), batch_ids, trees[source.name])
            if parsed is not None:
                results.append(parsed)
    if not results and not batch.problems:
        batch.refuse(", ".join(s.name for s in batch.sources), "", _("no executable process found"))
    return results


def _root_fits(kind: str, tree: Any) -> bool:
    """A .bpmn file's root is BPMN's <definitions>, a .dmn file's DMN's (any version)."""
    if not isinstance(tree.tag, str):
        return False
    name = etree.QName(tree)
    if name.localname != "definitions":
        return False
    return name.namespace == BPMN_NS if kind == "bpmn" else "DMN" in (name.namespace or "").upper()


def _located(tree: Any, err: ValidationException) -> str:
    """The id of the element at the line SpiffWorkflow's error names (so the studio can mark it), else the line."""
    if err.line_number:
        for node in tree.iter():
            if isinstance(node.tag, str) and node.sourceline == err.line_number:
                owner = _owner(node)
                if owner:
                    return owner
    return _line(err)


def _parse_process(batch: _Batch, parser: Any, source: Source, pid: str, batch_ids: set[str], tree: Any = None) -> Any:
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
                source.name,
                callers[0] if callers else pid,
                _("calls process %(process)s, which is not deployed") % {"process": repr(callee)},
            )
    forms: dict[str, Any] = {}
    specs = [spec, *embedded.values()]
    user_tasks = {t.bpmn_id for each in specs for t in each.task_specs.values() if is_user_task(t)}
    if tree is not None:
        _bind_roles(batch, source.name, pid, tree, specs)
    for each in specs:
        spiff.finish_parsed_spec(each)
        for task_spec in each.task_specs.values():
            _check_task(batch, source.name, task_spec, forms, user_tasks)
    return _Parsed(pid, spec.description or pid, source, spec, embedded, called, forms)


def _bind_roles(batch: _Batch, file: str, pid: str, tree: Any, specs: list[Any]) -> None:
    """Settle each user task's role and read its Camunda attributes, into the task's properties.

    The role is the task's own (a ``role`` property, else ``camunda:candidateGroups``), else its
    lane's (the lane's ``role`` property, else its name when that is a role code, else its parent
    lane's). It is stored as the ``role`` property of the deployed spec, "" when there is none,
    so the runtime reads one value. Camunda's ``assignee``, ``dueDate``, ``priority`` and
    ``formData`` fill the properties the task's spiffworkflow ones leave unset. A user task with
    neither a role nor an assignee is refused, and so is a lane bound to no role that one needs.
    """
    roles = list(setting("ROLES"))
    elements = {n.get("id"): n for n in tree.iter() if isinstance(n.tag, str) and n.get("id")}
    lanes = _lanes_of_nodes(tree)
    unbound: dict[str, list[str]] = {}
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if not is_user_task(task_spec):
                continue
            element_id = task_spec.bpmn_id or task_spec.name
            props = task_spec.extensions.setdefault("properties", {})
            node = elements.get(element_id)
            drawn = camunda.read_user_task(node, roles) if node is not None else camunda.CamundaTask()
            for reason in drawn.problems:
                batch.refuse(file, element_id, reason)
            for name, value in drawn.properties.items():
                if not (props.get(name) or "").strip():
                    props[name] = value
            if drawn.form is not None and not (props.get("form") or "").strip():
                form_name = f"{pid}.{element_id}.camunda.json"
                batch.forms[form_name] = drawn.form
                props["form"] = form_name
            own = (props.get("role") or "").strip()
            if own and own not in roles:
                batch.refuse(
                    file,
                    element_id,
                    _("property 'role': %(role)s is no role (roles: %(roles)s)")
                    % {"role": repr(own), "roles": ", ".join(sorted(roles))},
                )
                continue
            lane = lanes.get(element_id)
            if own:
                role = own
            elif lane is not None:
                role = _lane_role(lane, roles)
            else:  # a task the file's lanes do not list (SpiffWorkflow's own reading, as before)
                role = task_spec.lane if task_spec.lane in roles else ""
            props["role"] = role
            if role or (props.get("assignee") or "").strip() or drawn.role_refused:
                continue
            if lane is not None:
                unbound.setdefault(lane.get("id"), []).append(element_id)
                batch.refuse(
                    file,
                    element_id,
                    _(
                        "a user task needs a role or an assignee: its lane %(lane)s is bound to no role "
                        "(give the lane a role property, or the task a role, camunda:candidateGroups or an assignee)"
                    )
                    % {"lane": repr(lane.get("name") or lane.get("id"))},
                )
            else:
                batch.refuse(
                    file,
                    element_id,
                    _(
                        "a user task needs a role (its lane's, a role property or camunda:candidateGroups) "
                        "or an assignee"
                    ),
                )
    for lane_id, tasks in unbound.items():
        lane = elements[lane_id]
        batch.refuse(
            file,
            lane_id,
            _(
                "lane %(lane)s is bound to no role: its name is no role code and it has no role property "
                "(roles: %(roles)s); user tasks %(tasks)s need one"
            )
            % {"lane": repr(lane.get("name") or lane_id), "roles": ", ".join(sorted(roles)), "tasks": ", ".join(tasks)},
        )


def _lanes_of_nodes(tree: Any) -> dict[str, Any]:
    """flow node id -> the innermost lane listing it."""
    found: dict[str, tuple[int, Any]] = {}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        depth = sum(1 for _ancestor in lane.iterancestors(f"{{{BPMN_NS}}}lane"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            node_id = (ref.text or "").strip()
            if node_id and (node_id not in found or found[node_id][0] < depth):
                found[node_id] = (depth, lane)
    return {node_id: lane for node_id, (_depth, lane) in found.items()}


def _lane_property_role(lane: Any) -> str | None:
    """The value of a lane's ``role`` property (spiffworkflow's, or Camunda Modeler's extension property)."""
    for path in (
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
        "bpmn:extensionElements/camunda:properties/camunda:property",
    ):
        for prop in lane.iterfind(path, NS):
            if prop.get("name") == "role":
                return (prop.get("value") or "").strip()
    return None


def _lane_role(lane: Any, roles: list[str]) -> str:
    """A lane's role: its role property, else its name when that is a role code, else its parent lane's."""
    while lane is not None:
        bound = _lane_property_role(lane)
        if bound is not None:
            return bound if bound in roles else ""  # a property naming no role is refused by _check_xml
        name = (lane.get("name") or "").strip()
        if name in roles:
            return name
        lane = next(lane.iterancestors(f"{{{BPMN_NS}}}lane"), None)
    return ""


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
        ts = task_settings(task_spec)  # a task without a role or an assignee was refused by _bind_roles
        if ts.continues:
            _check_continues(batch, file, ts, user_tasks)
        if ts.form:
            schema = _find_form(batch, ts.form)
            if schema is None:
                batch.refuse(file, ts.element_id, _("form file %(form)s not found") % {"form": repr(ts.form)})
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
                batch.refuse(
                    file,
                    ts.element_id,
                    _("property %(name)s: %(reason)s") % {"name": repr(prop_name), "reason": refusal},
                )
        if ts.priority and ts.priority.strip().isdigit() and not 1 <= int(ts.priority) <= 5:
            batch.refuse(file, ts.element_id, _("property 'priority' must be between 1 and 5"))
    operation = getattr(task_spec, "operation_name", None)
    if operation is not None and registry.service(operation) is None:
        batch.refuse(
            file,
            task_spec.bpmn_id,
            _("service function %(name)s is not registered") % {"name": repr(operation)},
        )


def _check_continues(batch: _Batch, file: str, ts: Any, user_tasks: set[str]) -> None:
    """``continues`` names a user task of the same process (whose ``<id>_by`` the engine records)
    and replaces ``assignee``: a task says one of them, not both."""
    if ts.continues not in user_tasks:
        known = ", ".join(sorted(user_tasks))
        batch.refuse(
            file,
            ts.element_id,
            _("property 'continues': %(step)s is no user task of this process (%(known)s)")
            % {"step": repr(ts.continues), "known": known},
        )
    if ts.assignee:
        batch.refuse(file, ts.element_id, _("properties 'assignee' and 'continues' exclude each other; keep one"))


def _check_xml(batch: _Batch, file: str, tree: Any) -> None:
    """Lanes and every expression in the file, located by element id."""
    roles = set(setting("ROLES"))
    for lane in tree.iterfind(".//bpmn:lane", NS):
        bound = _lane_property_role(lane)
        if bound is not None and bound not in roles:
            batch.refuse(
                file,
                lane.get("id"),
                _("lane property 'role': %(role)s is no role (roles: %(roles)s)")
                % {"role": repr(bound), "roles": ", ".join(sorted(roles))},
            )
    for node in tree.iter():
        if node.get("id") in RESERVED_IDS and isinstance(node.tag, str) and node.tag.startswith(f"{{{BPMN_NS}}}"):
            batch.refuse(file, node.get("id"), _("this id is reserved by the engine; choose another"))
    checks = [
        (".//bpmn:conditionExpression", "eval", _("condition")),
        (".//bpmn:scriptTask/bpmn:script", "exec", _("script")),
        (".//spiffworkflow:preScript", "exec", _("pre-script")),
        (".//spiffworkflow:postScript", "exec", _("post-script")),
        (".//spiffworkflow:messagePayload", "eval", _("message payload")),
        (".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression", "eval", _("correlation")),
        (".//bpmn:loopCardinality", "eval", _("loop cardinality")),
        (".//bpmn:completionCondition", "eval", _("completion condition")),
    ]
    for path, mode, what in checks:
        for node in tree.iterfind(path, NS):
            _check_text(batch, file, node, node.text, mode, what)
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in tree.iterfind(f".//bpmn:{tag}", NS):
            _check_timer(batch, file, node, tag)
    for node in tree.iterfind(".//spiffworkflow:parameter", NS):
        _check_text(
            batch, file, node, node.get("value"), "eval", _("parameter %(name)s") % {"name": repr(node.get("id"))}
        )
    for element_id, reason in bpmn_texts(tree)[1]:
        batch.refuse(file, element_id, reason)


def _check_timer(batch: _Batch, file: str, node: Any, tag: str) -> None:
    """A timer's value is an ISO 8601 literal that SpiffWorkflow can read, or an expression."""
    text = (node.text or "").strip()
    if not text:
        batch.refuse(file, _owner(node), _("empty timer %(kind)s") % {"kind": tag})
        return
    if not timers.is_literal(text) and not _ISO_ATTEMPT.match(text):
        _check_text(batch, file, node, text, "eval", _("timer"))
        return
    try:
        if not timers.is_literal(text):
            raise ValueError(text)
        if tag == "timeCycle":
            timers.parse_cycle(text, clock.now())
        elif tag == "timeDuration":
            TimerEventDefinition.parse_iso_duration(text)
        else:
            TimerEventDefinition.parse_time_or_duration(text)
    except Exception:  # noqa: BLE001 - whatever the library's parsers raise, the value does not parse
        examples = {"timeDuration": "PT24H, P2D", "timeDate": "2026-12-01T09:00:00+08:00", "timeCycle": "R3/PT1H"}
        batch.refuse(
            file,
            _owner(node),
            _("timer %(kind)s %(value)s is not an ISO 8601 value (such as %(examples)s)")
            % {"kind": tag, "value": repr(text), "examples": examples[tag]},
        )


def _check_dmn(batch: _Batch, file: str, tree: Any) -> None:
    for table in tree.iter("{*}decisionTable"):
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in SUPPORTED_HIT_POLICIES:
            batch.refuse(
                file,
                _owner(table),
                _("hit policy %(policy)s is not implemented (use UNIQUE or COLLECT)") % {"policy": policy},
            )
        if table.get("aggregation"):
            batch.refuse(file, _owner(table), _("COLLECT with an aggregation is not implemented"))
    for node in tree.iter("{*}inputExpression"):
        text = node.findtext("{*}text")
        _check_text(batch, file, node, text, "eval", _("input expression"))
    for node in tree.iter("{*}outputEntry"):
        _check_text(batch, file, node, node.findtext("{*}text"), "eval", _("output entry"))
    for node in tree.iter("{*}inputEntry"):
        text = _DMN_INPUT_MARK.sub("dmninputexpr", (node.findtext("{*}text") or "").strip())
        if text and text != "-":
            reasons = [
                check_script(candidate, "eval")
                for candidate in (text, f"dmninputexpr {text}", f"dmninputexpr in ({text},)")
            ]
            if all(reasons):
                batch.refuse(file, _owner(node), _("input entry: %(reason)s") % {"reason": reasons[0]})


def _check_text(batch: _Batch, file: str, node: Any, text: str | None, mode: str, what: str) -> None:
    if text is None or not text.strip():
        return
    reason = check_script(text, mode)
    if reason:
        batch.refuse(file, _owner(node), _("%(what)s: %(reason)s") % {"what": what, "reason": reason})


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
    return _("line %(line)s") % {"line": err.line_number} if err.line_number else ""


def _reason(err: ValidationException) -> str:
    return str(err).split("\n")[0]


def _load_form_source(batch: _Batch, source: Source) -> None:
    try:
        batch.forms[source.name] = json.loads(source.text)
    except json.JSONDecodeError as err:
        batch.refuse(
            source.name, _("line %(line)s") % {"line": err.lineno}, _("not valid JSON: %(error)s") % {"error": err.msg}
        )


def _find_form(batch: _Batch, name: str) -> Any:
    if name in batch.forms:
        return batch.forms[name]
    for folder in batch.form_dirs:
        path = folder / name
        if path.is_file():
            try:
                batch.forms[name] = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                batch.refuse(name, "(file)", _("not valid JSON: %(error)s") % {"error": err})
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
