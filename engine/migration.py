"""Moving running instances from one version of a process to another.

An explicit action that refuses what it cannot do safely. For each running
instance of the source version, ``plan`` says whether it can move and, if not,
why: an element it waits at (or has done) that the target lacks, a call
activity or subprocess already started, a waiting timer or message whose
definition changed, an open incident, an open step whose form changed
incompatibly, or events attached to a waiting step that changed.

``migrate`` moves every instance that can, each in its own transaction: the
state is re-based on the target spec (elements aligned by id, with
SpiffWorkflow's ``SpecDiff``), what follows each waiting task is predicted again,
the deployment is switched under the row's version counter, and the mirror rows
(work items, timers, message waits) are re-derived from the new state. One
instance's failure rolls back that instance only. Each move, and each refusal,
is an audit event with who, when, why and the two versions, under one batch id,
so a second submit of the same batch does nothing.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from . import audit, clock, jsontext, spiff, sql
from .errors import EngineError, InvalidData, NotFound, describe_failure
from .mirror import build_items, sync_mirror
from .models import AuditEvent, Deployment, InstanceStatus, ItemStatus, ProcessInstance, WorkItem
from .snapshot import take_snapshot
from .store import Bundle, Live, bundle, checkout, load_head, resolve_callees
from .timers import CLOCK_TIMERS
from .translations import active_language, deployment_texts
from .vocabulary import is_user_task

MOVED, REFUSED, FAILED = "moved", "refused", "failed"
# Spec attributes that say where a task sits in the flow, not what it does: a waiting
# task whose next step changed is still the same task.
_STRUCTURE = {"inputs", "outputs", "description", "documentation"}
_OPEN_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class Verdict:
    """What a migration would do, or did, to one instance."""

    instance_id: int
    business_key: str
    store_id: int | None
    waiting: list[str] = field(default_factory=list)  # element ids it waits at
    reasons: list[str] = field(default_factory=list)  # why it cannot move (translated)
    reopened: list[str] = field(default_factory=list)  # steps whose work item is opened again
    labels: dict[str, str] = field(default_factory=dict)  # element id -> its name in the reader's language
    outcome: str = ""  # after a run: moved, refused or failed

    @property
    def movable(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "business_key": self.business_key,
            "store_id": self.store_id,
            "waiting": self.waiting,
            "movable": self.movable,
            "reasons": self.reasons,
            "reopened": self.reopened,
            "labels": self.labels,
            "outcome": self.outcome,
        }


@dataclass
class Plan:
    process_id: str
    source_version: int
    target_version: int
    verdicts: list[Verdict]
    batch: str = ""

    @property
    def movable(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.movable]


# --- the two versions -------------------------------------------------------------------


def _deployments(process_id: str, source_version: int, target_version: int) -> tuple[Deployment, Deployment]:
    if source_version == target_version:
        raise InvalidData({"to": [_("the target version must differ from the source version")]})
    found = {
        d.version: d
        for d in Deployment.objects.filter(process_id=process_id, version__in=[source_version, target_version])
    }
    for version in (source_version, target_version):
        if version not in found:
            raise NotFound(
                _("process %(process)s has no version %(version)s") % {"process": repr(process_id), "version": version}
            )
    return found[source_version], found[target_version]


def _running(source: Deployment, instance_ids: Iterable[int] | None) -> list[int]:
    rows = ProcessInstance.objects.filter(deployment=source, status=InstanceStatus.RUNNING)
    if instance_ids is not None:
        rows = rows.filter(pk__in=list(instance_ids))
    return list(rows.order_by("pk").values_list("pk", flat=True))


def _target_bundle(row: ProcessInstance, source: Deployment, target: Deployment) -> tuple[Bundle, dict[str, int]]:
    """The target's bundle, with the instance's callees where it calls the same processes
    (else the live versions of those it calls: no call activity of the instance has started)."""
    if sorted(target.called_processes) == sorted(source.called_processes):
        callees = dict(row.callees or {})
    else:
        callees = resolve_callees(target.process_id, target.called_processes)
    return bundle(target.pk, callees), callees


# --- checking one instance --------------------------------------------------------------


def _element(task: Any) -> str:
    return task.task_spec.bpmn_id or task.task_spec.name


def _changes(diff: SpecDiff, spec: Any) -> set[str]:
    return set(diff.comparisons.get(spec) or []) - _STRUCTURE


def _attached(spec: Any, process_spec: Any) -> list[str]:
    split = process_spec.task_specs.get(f"{spec.name}.BoundaryEventSplit")
    return sorted(o.name for o in split.outputs) if split is not None else []


def _form_problem(source: Bundle, target: Bundle, spec: Any, new_spec: Any) -> str:
    """Why an open step's form in the target does not take what its item holds; "" when it does."""
    old_form = source.settings_for(spec).form
    new_form = target.settings_for(new_spec).form
    old = (source.forms.get(old_form) or {}) if old_form else {}
    new = (target.forms.get(new_form) or {}) if new_form else {}
    old_fields, new_fields = old.get("properties") or {}, new.get("properties") or {}
    added = [name for name in new.get("required") or [] if name not in old_fields]
    if added:
        return _("the form of %(element)s now requires %(fields)s") % {
            "element": _label(source, spec),
            "fields": ", ".join(added),
        }
    retyped = [
        name
        for name, definition in new_fields.items()
        if name in old_fields and (old_fields[name] or {}).get("type") != (definition or {}).get("type")
    ]
    if retyped:
        return _("the form of %(element)s changed the type of %(fields)s") % {
            "element": _label(source, spec),
            "fields": ", ".join(retyped),
        }
    return ""


def _label(found: Bundle, spec: Any) -> str:
    """How a reason names an element: its name in the active language, with its id."""
    element = spec.bpmn_id or spec.name
    name = deployment_texts(found.deployment_id).text(element, "name", active_language(None), spec.bpmn_name or "")
    return f"{name} ({element})" if name and name != element else element


def _check(workflow: Any, source: Bundle, target: Bundle, diff: SpecDiff, verdict: Verdict) -> None:
    """Fill ``verdict`` with what the instance waits at and every reason it cannot move."""
    for sub in workflow.subprocesses.values():
        if not sub.completed:
            verdict.reasons.append(
                _("the call activity or subprocess %(element)s has already started")
                % {"element": _subprocess_element(workflow, sub, source)}
            )
            break
    for task in workflow.get_tasks(skip_subprocesses=True):
        spec = task.task_spec
        element = _element(task)
        label = verdict.labels[element] = _label(source, spec) if _is_drawn(spec) else element
        new_spec = diff.alignment.get(spec)
        if not task.has_state(_OPEN_STATES):
            continue  # done steps the target lacks leave the tree (_rebase); predicted ones are redone
        if task.state & (TaskState.READY | TaskState.WAITING) and _is_drawn(spec):
            verdict.waiting.append(element)
        if task.state == TaskState.ERROR:
            verdict.reasons.append(
                _("it has an open incident at %(element)s: retry or cancel it first") % {"element": label}
            )
            continue
        if isinstance(spec, SubWorkflowTask) and task.state == TaskState.STARTED:
            continue  # reported above with its subprocess
        if new_spec is None:
            verdict.reasons.append(_("it waits at %(element)s, which the target version lacks") % {"element": label})
            continue
        changed = _changes(diff, spec)
        if task.state == TaskState.WAITING and isinstance(spec, CatchingEvent) and "event_definition" in changed:
            if any(isinstance(d, CLOCK_TIMERS) for d in _definitions(spec)):
                verdict.reasons.append(_("the definition of its timer %(element)s changed") % {"element": label})
            else:
                verdict.reasons.append(_("the event it waits for at %(element)s changed") % {"element": label})
            continue
        if task.state == TaskState.READY and is_user_task(spec):
            if _attached(spec, source.spec) != _attached(new_spec, target.spec):
                verdict.reasons.append(_("the events attached to %(element)s changed") % {"element": label})
                continue
            problem = _form_problem(source, target, spec, new_spec)
            if problem:
                verdict.reasons.append(problem)
                continue
            if changed:
                verdict.reopened.append(element)


def _subprocess_element(workflow: Any, sub: Any, source: Bundle) -> str:
    for task in workflow.get_tasks():
        if task.id == sub.parent_task_id:
            return _label(source, task.task_spec)
    return str(sub.spec.name)


def _definitions(spec: Any) -> list[Any]:
    definition = spec.event_definition
    return list(getattr(definition, "event_definitions", None) or [definition])


def _is_drawn(spec: Any) -> bool:
    """A BPMN element (not one of the helper specs the parser adds: Start, End, splits, joins)."""
    return bool(getattr(spec, "bpmn_id", None))


# --- moving one instance ----------------------------------------------------------------


def _rebase(workflow: Any, target: Bundle, diff: SpecDiff) -> None:
    """Re-base ``workflow`` (checked by ``_check``) on the target's spec, in place."""
    workflow.spec = target.spec
    workflow.subprocess_specs = target.subprocess_specs
    tasks = list(workflow.get_tasks(skip_subprocesses=True))
    for task in tasks:
        aligned = diff.alignment.get(task.task_spec)
        if aligned is not None:
            task.task_spec = aligned
    for task in tasks:
        if task.id not in workflow.tasks or diff.alignment.get(task.task_spec, task.task_spec) is not None:
            continue
        if task.has_state(TaskState.FINISHED_MASK):
            _unlink(workflow, task)  # a done step the target lacks: its children take its place
        else:
            _drop(workflow, task)  # a predicted step the target lacks: predicted again below
    for task in list(workflow.get_tasks(state=TaskState.READY | TaskState.WAITING, skip_subprocesses=True)):
        if task.id in workflow.tasks:
            _predict_again(task)
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    stray = [t for t in workflow.tasks.values() if target.spec.task_specs.get(t.task_spec.name) is not t.task_spec]
    if stray:
        raise EngineError(_("%(element)s could not be placed in the target version") % {"element": _element(stray[0])})


def _unlink(workflow: Any, task: Any) -> None:
    parent = task.parent
    children = list(task._children)
    for child_id in children:
        workflow.tasks[child_id]._parent = task._parent
    if parent is not None:
        at = parent._children.index(task.id)
        parent._children[at : at + 1] = children
    elif children:
        workflow.task_tree = workflow.tasks[children[0]]
    del workflow.tasks[task.id]


def _drop(workflow: Any, task: Any) -> None:
    parent = task.parent
    if parent is not None and task.id in parent._children:
        parent._children.remove(task.id)
    for descendant in list(task):
        workflow.tasks.pop(descendant.id, None)


def _predict_again(task: Any) -> None:
    """SpiffWorkflow's ``reset_branch``, keeping what the task holds: its data, and the due
    time a waiting timer computed (a timer whose definition changed was refused)."""
    data, internal = task.data, dict(task.internal_data)
    task._drop_children(force=True)
    task._set_state(TaskState.FUTURE)
    task.data, task.internal_data = data, internal
    task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    task.task_spec._update(task)


def _fresh_workflow(row: ProcessInstance) -> Any:
    """The instance's workflow restored from its row, never the cached one (a plan changes it)."""
    state = ProcessInstance.objects.filter(pk=row.pk, version=row.version).values_list("state", flat=True).first()
    if state is None:
        raise EngineError(_("the instance changed while it was being read; try again"))
    found = bundle(row.deployment_id, row.callees)
    return spiff.state_from_dict(jsontext.loads(state), found.spec, found.subprocess_specs), found


def _judge(row: ProcessInstance, source: Deployment, target: Deployment) -> tuple[Verdict, Any]:
    verdict = Verdict(row.pk, row.business_key, row.store_id)
    workflow, source_bundle = _fresh_workflow(row)
    target_bundle, callees = _target_bundle(row, source, target)
    diff = SpecDiff(spiff._REGISTRY, source_bundle.spec, target_bundle.spec)
    _check(workflow, source_bundle, target_bundle, diff, verdict)
    if verdict.movable:
        try:
            _rebase(workflow, target_bundle, diff)
            state = spiff.StateEncoder().encode(workflow)
            spiff.state_from_dict(jsontext.loads(state), target_bundle.spec, target_bundle.subprocess_specs)
        except Exception as err:  # noqa: BLE001 - any failure to re-base is a reason not to move
            verdict.reasons.append(
                _("it cannot be re-based on the target version: %(error)s") % {"error": describe_failure(err)}
            )
    return verdict, (workflow, target_bundle, callees)


# --- the public commands ----------------------------------------------------------------


def plan(process_id: str, *, from_version: int, to_version: int, instance_ids: Iterable[int] | None = None) -> Plan:
    """The dry run: for each running instance of the source version, whether it can move and
    why not. Changes nothing."""
    source, target = _deployments(process_id, from_version, to_version)
    verdicts = []
    for instance_id in _running(source, instance_ids):
        verdict, _moved = _judge(load_head(instance_id), source, target)
        verdicts.append(verdict)
    return Plan(process_id, from_version, to_version, verdicts)


def migrate(
    process_id: str,
    *,
    from_version: int,
    to_version: int,
    reason: str,
    user: Any = None,
    batch: str = "",
    instance_ids: Iterable[int] | None = None,
) -> Plan:
    """Move every running instance of the source version that can move, each in its own
    transaction; refused ones are left untouched. A ``batch`` that already ran does nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData({"reason": [_("a migration needs a reason")]})
    source, target = _deployments(process_id, from_version, to_version)
    batch = batch or uuid.uuid4().hex
    if batch_ran(batch):
        return results(batch)
    verdicts = []
    for instance_id in _running(source, instance_ids):
        verdicts.append(_migrate_one(instance_id, source, target, reason=reason, user=user, batch=batch))
    return Plan(process_id, from_version, to_version, verdicts, batch)


def _migrate_one(instance_id: int, source: Deployment, target: Deployment, **why: Any) -> Verdict:
    try:
        with transaction.atomic():
            # Locks the row where the database can (PostgreSQL): a step saved meanwhile waits
            # for us, and our write below is checked against the version we read anyway.
            ProcessInstance.objects.select_for_update().filter(pk=instance_id).values_list("pk").first()
            row = load_head(instance_id)
            if row.deployment_id != source.pk or row.status != InstanceStatus.RUNNING:
                verdict = Verdict(row.pk, row.business_key, row.store_id, outcome=REFUSED)
                verdict.reasons.append(_("it is no longer a running instance of the source version"))
                return verdict
            verdict, (workflow, target_bundle, callees) = _judge(row, source, target)
            if not verdict.movable:
                verdict.outcome = REFUSED
                _record(row, verdict, source, target, **why)
                return verdict
            _write(row, workflow, target_bundle, callees, verdict)
            verdict.outcome = MOVED
            _record(row, verdict, source, target, **why)
            return verdict
    except EngineError as err:
        return _failed(instance_id, str(err), source, target, **why)
    except Exception as err:  # noqa: BLE001 - one instance's failure must not stop the others
        return _failed(instance_id, describe_failure(err), source, target, **why)


def _write(row: ProcessInstance, workflow: Any, target: Bundle, callees: dict[str, int], verdict: Verdict) -> None:
    """Switch the row to the target and make its mirror rows equal the new state.

    The cached live workflow is taken out and not put back: the next command restores
    the instance from the row, against the target's spec."""
    old = checkout(row)  # what the mirror rows say now: the snapshot of the current state
    live = Live(row.pk, row.uid, row.version, target, workflow, old.before, row)
    row.callees = callees
    # Steps whose task changed get a fresh work item, derived from the target's settings.
    reopened = [tid for tid, task in live.before.ready.items() if _element(task) in verdict.reopened]
    if reopened:
        sql.cancel_items(row.pk, reopened)
        for tid in reopened:
            del live.before.ready[tid]
    now = clock.now()
    after = take_snapshot(workflow, target)
    new_items, refused = build_items(live, after, now=now)
    if refused:
        raise EngineError(refused[0][2])
    state = live.encoder.encode(workflow)
    changed = ProcessInstance.objects.filter(pk=row.pk, version=row.version).update(
        state=state,
        deployment_id=target.deployment_id,
        callees=row.callees,
        version=row.version + 1,
        updated_at=now,
    )
    if not changed:
        raise EngineError(_("the instance changed while it was being moved; try again"))
    row.deployment_id = target.deployment_id
    sync_mirror(live, after, new_items)
    for task_id in reopened:
        _keep_holder(row.pk, task_id)


def _keep_holder(instance_id: int, task_id: str) -> None:
    """A reopened step stays with the person who held it (claimed or was handed it), when the new
    item is for the same role and store, names nobody itself and does not exclude them."""
    old, new = (
        WorkItem.objects.filter(instance_id=instance_id, task_id=task_id, status=status).order_by("-id").first()
        for status in (ItemStatus.CANCELLED, ItemStatus.OPEN)
    )
    if old is None or new is None or old.assignee is None or new.assignee_id is not None:
        return
    if (old.role, old.store_id) != (new.role, new.store_id) or old.assignee.get_username() in (new.excluded or []):
        return
    WorkItem.objects.filter(pk=new.pk).update(assignee_id=old.assignee_id, claimed=old.claimed)


def _record(row: ProcessInstance, verdict: Verdict, source: Deployment, target: Deployment, **why: Any) -> None:
    audit.record(
        "migrated" if verdict.outcome == MOVED else "migration_refused",
        instance=row,
        actor=why["user"],
        data={
            "batch": why["batch"],
            "reason": why["reason"],
            "from_version": source.version,
            "to_version": target.version,
            "waiting": verdict.waiting,
            "reasons": verdict.reasons,
            "reopened": verdict.reopened,
            "labels": verdict.labels,
        },
    )


def _failed(instance_id: int, error: str, source: Deployment, target: Deployment, **why: Any) -> Verdict:
    row = ProcessInstance.objects.filter(pk=instance_id).first()
    verdict = Verdict(instance_id, getattr(row, "business_key", ""), getattr(row, "store_id", None), outcome=FAILED)
    verdict.reasons.append(error)
    if row is not None:
        audit.record(
            "migration_failed",
            instance=row,
            actor=why["user"],
            data={
                "batch": why["batch"],
                "reason": why["reason"],
                "from_version": source.version,
                "to_version": target.version,
                "reasons": verdict.reasons,
            },
        )
    return verdict


_ACTIONS = {"migrated": MOVED, "migration_refused": REFUSED, "migration_failed": FAILED}


def batch_ran(batch: str) -> bool:
    return AuditEvent.objects.filter(action__in=list(_ACTIONS), data__batch=batch).exists()


def results(batch: str) -> Plan:
    """What the migration run ``batch`` did to each instance, from its audit events."""
    rows = list(
        AuditEvent.objects.filter(action__in=list(_ACTIONS), data__batch=batch)
        .select_related("instance")
        .order_by("instance_id", "id")
    )
    verdicts = []
    for event in rows:
        data = event.data
        instance = event.instance
        verdicts.append(
            Verdict(
                event.instance_id or 0,
                getattr(instance, "business_key", ""),
                getattr(instance, "store_id", None),
                waiting=list(data.get("waiting") or []),
                reasons=list(data.get("reasons") or []),
                reopened=list(data.get("reopened") or []),
                labels=dict(data.get("labels") or {}),
                outcome=_ACTIONS[event.action],
            )
        )
    first = rows[0].data if rows else {}
    return Plan(
        rows[0].process_id if rows else "",
        int(first.get("from_version") or 0),
        int(first.get("to_version") or 0),
        verdicts,
        batch,
    )


def open_item_count(instance_id: int) -> int:
    return WorkItem.objects.filter(instance_id=instance_id, status=ItemStatus.OPEN).count()
