"""Running instances: start, complete, correlate messages, fire timers, retry, cancel.

Each command loads the instance's live workflow, changes it, and saves state,
mirror rows (work items, timers, message waits), incidents and an audit event
in one transaction. The state row is written under its version counter: if
someone else saved the instance first, the whole command is retried on the
new state (and refused if what it wanted to do is no longer possible).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from django.db import transaction
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import audit, clock, jsontext, registry, spiff, sql
from .conf import setting
from .errors import (
    Conflict,
    EngineError,
    InvalidData,
    InvalidState,
    NotAllowed,
    NotDeployed,
    NotFound,
    describe_failure,
)
from .forms import validate_submission
from .mirror import build_items, sync_mirror
from .models import (
    Deployment,
    DueTimer,
    Incident,
    IncidentStatus,
    InstanceStatus,
    ItemStatus,
    MessageWait,
    ProcessInstance,
    WorkItem,
)
from .permissions import grants_for, holds, known_grants, may_do
from .snapshot import Snapshot, take_snapshot
from .store import LIVE, Live, bundle, checkout, load_head, resolve_callees

log = logging.getLogger(__name__)
MAX_VERSION_RETRIES = 5
MAX_START_DATA_BYTES = 64 * 1024


class _VersionClash(Exception):
    """Someone saved the instance between our read and our write."""


@dataclass
class Failure:
    task_id: str
    element_id: str
    error: str


@dataclass
class StepResult:
    instance_id: int
    status: str
    opened: list[int] = field(default_factory=list)
    incidents: list[int] = field(default_factory=list)


def _retrying(command: Any, *, atomic: bool = True) -> Any:
    """Run ``command`` (in a transaction, unless it opens its own) until no version clash stops it."""
    for _attempt in range(MAX_VERSION_RETRIES):
        try:
            if not atomic:
                return command()
            with transaction.atomic():
                return command()
        except (_VersionClash, sql.RowMoved):
            continue
    raise Conflict(_("the instance kept changing while this was saved; try again"))


# --- running the workflow ---------------------------------------------------------


def run_engine(workflow: Any) -> list[Failure]:
    """Run every automatic step that is ready; a failing one becomes a Failure, not an error."""
    try:
        workflow.do_engine_steps()
    except Exception as err:  # noqa: BLE001 - any failure of an automatic step is an incident
        task = getattr(err, "task", None)
        if task is not None and task.state != TaskState.ERROR:
            task._set_state(TaskState.ERROR)
        return [Failure(str(task.id) if task else "", _element(task), describe_failure(err))]
    return []


def _element(task: Any) -> str:
    if task is None:
        return ""
    return task.task_spec.bpmn_id or task.task_spec.name


def _end_status(workflow: Any, snapshot: Snapshot) -> tuple[str, str]:
    """Running, completed, or failed when the process ended in an (uncaught) error end event."""
    # is_completed() looks for an unfinished task; the snapshot has counted them already.
    if (not workflow.completed and snapshot.unfinished) or not workflow.is_completed():
        return InstanceStatus.RUNNING, ""
    for task in workflow.tasks.values():
        spec = task.task_spec
        if (
            task.state == TaskState.COMPLETED
            and isinstance(spec, EndEvent)
            and isinstance(spec.event_definition, ErrorEventDefinition)
        ):
            code = spec.event_definition.code or spec.event_definition.name or ""
            return InstanceStatus.FAILED, f"ended in error {code}".strip()
    return InstanceStatus.COMPLETED, ""


# --- saving -------------------------------------------------------------------------


@dataclass
class _Outcome:
    """What a step will write, worked out before the transaction: the mirror's new rows, the
    status, the serialized state."""

    after: Snapshot
    new_items: list[dict[str, Any]]
    failures: list[Failure]
    status: str
    end_reason: str
    state: str
    now: Any


def _outcome(live: Live, failures: list[Failure]) -> _Outcome:
    workflow = live.workflow
    now = clock.now()
    after = take_snapshot(workflow)
    # Work items are built before the state is written: a task whose properties
    # cannot be evaluated is put in ERROR (an incident to retry), not mirrored.
    new_items, refused = build_items(live, after, now=now)
    for task_id, element_id, error in refused:
        failures = [*failures, Failure(task_id, element_id, error)]
    status, end_reason = _end_status(workflow, after)
    return _Outcome(after, new_items, failures, status, end_reason, live.encoder.encode(workflow), now)


def _save(live: Live, *, actor: Any, failures: list[Failure], new: bool = False, closed: str = "") -> StepResult:
    """Write state, mirror rows and incidents for ``live``; the caller holds a transaction."""
    return _write(live, _outcome(live, failures), new=new, closed=closed)


def _write(
    live: Live, outcome: _Outcome, *, new: bool = False, closed: str = "", open_items: bool = True
) -> StepResult:
    """Write what ``_outcome`` worked out; the caller holds a transaction. Without
    ``open_items`` the caller opens ``outcome.new_items`` itself (and fills ``opened``)."""
    new_items = outcome.new_items if open_items else []
    row, now = live.row, outcome.now
    if new:
        _fill_new_row(row, outcome)
        row.pk = sql.insert_instance(row)
        live.instance_id = row.pk
        opened = sync_mirror(live, outcome.after, new_items, closed=closed)
    else:
        if not sql.write_state(row.pk, version=live.version, state=outcome.state, at=now, ended=_ended(row, outcome)):
            raise _VersionClash()
        opened = sync_mirror(live, outcome.after, new_items, closed=closed)
        live.version += 1
    live.items.clear()  # which id is which row is not kept here (Live.items)
    incidents = [_open_incident(row, failure, now) for failure in outcome.failures]
    return _saved(live, outcome, opened, incidents)


def _fill_new_row(row: ProcessInstance, outcome: _Outcome) -> None:
    row.state, row.status, row.updated_at, row.end_reason = (
        outcome.state,
        outcome.status,
        outcome.now,
        outcome.end_reason,
    )
    row.ended_at = outcome.now if outcome.status != InstanceStatus.RUNNING else None


def _saved(live: Live, outcome: _Outcome, opened: list[int], incidents: list[int] | None = None) -> StepResult:
    """``live`` as its state now stands written (``live.version`` counts the write): cached again
    once the transaction commits, if it runs on."""
    row, status = live.row, outcome.status
    live.before = outcome.after
    row.version = live.version
    row.status = status
    if status == InstanceStatus.RUNNING:
        transaction.on_commit(lambda: LIVE.put(live))
    return StepResult(row.pk, status, opened, incidents or [])


def _items_only(live: Live, outcome: _Outcome, *, closed: str = "") -> bool:
    """Whether what the step changes beside the state and the closed item is new work items
    only (no item withdrawn, no timer or message wait changed, no incident): what
    ``sql.write_step`` writes in one statement."""
    before, after = live.before, outcome.after
    return (
        not outcome.failures
        and before.timers == after.timers
        and before.waits == after.waits
        and all(task_id in after.ready or task_id == closed for task_id in before.ready)
    )


def _ended(row: ProcessInstance, outcome: _Outcome) -> tuple[str, Any, str] | None:
    """(status, ended at, reason) when the step changes the instance's status."""
    if outcome.status == row.status:
        return None
    return outcome.status, outcome.now if outcome.status != InstanceStatus.RUNNING else None, outcome.end_reason


def _open_incident(row: ProcessInstance, failure: Failure, now: Any) -> int:
    max_attempts = int(setting("INCIDENT_MAX_ATTEMPTS"))
    incident = Incident.objects.filter(
        instance_id=row.pk,
        task_id=failure.task_id,
        status__in=[IncidentStatus.RETRYING, IncidentStatus.WAITING],
    ).first()
    if incident is None:
        incident = Incident(
            instance_id=row.pk, task_id=failure.task_id, element_id=failure.element_id, attempts=0, created_at=now
        )
    incident.attempts += 1
    incident.error = failure.error
    incident.updated_at = now
    if incident.attempts >= max_attempts:
        incident.status, incident.next_attempt_at = IncidentStatus.WAITING, None
    else:
        backoff = setting("INCIDENT_BACKOFF_SECONDS") * 2 ** (incident.attempts - 1)
        incident.status, incident.next_attempt_at = IncidentStatus.RETRYING, now + timedelta(seconds=backoff)
    incident.save()
    audit.record(
        "incident",
        instance=row,
        element_id=failure.element_id,
        data={"incident": incident.pk, "error": failure.error, "attempts": incident.attempts},
    )
    log.warning("instance %s: %s failed: %s", row.pk, failure.element_id, failure.error)
    return incident.pk


# --- commands -------------------------------------------------------------------------


def start(process_id: str, *, business_key: str = "", data: dict | None = None, user: Any = None) -> StepResult:
    """Start the live version of ``process_id``; ``data`` becomes the process's first data."""
    data = dict(data or {})
    if len(jsontext.dumps(data)) > MAX_START_DATA_BYTES:
        raise InvalidData({"": [_("start data is larger than 64 KB: keep records in CRM tables")]})
    if user is not None:
        data.setdefault("initiator", user.get_username())
    store_id = data.get("store_id")
    if store_id is not None and not isinstance(store_id, int):
        raise InvalidData({"store_id": [_("must be a store id (a whole number)")]})

    def command() -> StepResult:
        live_version = sql.latest_deployment(process_id)
        if live_version is None:
            known = sorted(set(Deployment.objects.values_list("process_id", flat=True)))
            raise NotDeployed(
                process_id,
                _("no process %(process)s is deployed (deployed: %(deployed)s)")
                % {"process": repr(process_id), "deployed": ", ".join(known) or _("none")},
            )
        deployment_id, version, called, instance_id = live_version
        callees = resolve_callees(process_id, called)
        found = bundle(deployment_id, callees)
        workflow = spiff.new_workflow(found.spec, found.subprocess_specs)
        workflow.task_tree.data.update(data)
        failures = run_engine(workflow)
        now = clock.now()
        row = sql.new_instance(
            id=instance_id,
            uid=uuid4(),
            deployment_id=deployment_id,
            process_id=process_id,
            business_key=business_key,
            store_id=store_id,
            serializer_version=spiff.SERIALIZER_VERSION,
            callees=callees,
            started_by_id=getattr(user, "pk", None),
            started_at=now,
            updated_at=now,
            version=1,
        )
        live = Live(0, row.uid, 1, found, workflow, Snapshot(), row)
        outcome = _outcome(live, failures)
        audit = {
            "instance_id": row.pk,
            "item_id": None,
            "process_id": process_id,
            "element_id": "",
            "action": "started",
            "actor_id": getattr(user, "pk", None),
            "at": now,
            "data": {"version": version, "business_key": business_key, "callees": callees},
        }
        if instance_id is not None and sql.one_statement() and _items_only(live, outcome):
            _fill_new_row(row, outcome)
            items = [{**v, "instance_id": row.pk} for v in outcome.new_items]
            opened = sql.write_step(audit=audit, items=items, instance=row)
            live.instance_id = row.pk
            _remember_items(live, items, opened)
            return _saved(live, outcome, opened)
        with sql.step_transaction():
            result = _write(live, outcome, new=True, open_items=False)
            audit["instance_id"] = row.pk
            items = [{**v, "instance_id": row.pk} for v in outcome.new_items]
            opened_ids = sql.insert_items_and_audit(items, audit, list_opened=False)
        result.opened = opened_ids()
        return result

    return _retrying(command, atomic=False)


def refusal_text(err: BaseException) -> str:
    """The sentence a step's script refused the answer with (``raise ValueError("Order #37 ...")``),
    without SpiffWorkflow's wrapper or the exception's class name; "" when the failure is not such
    a refusal (a bug in a script, which the person is told about as the engine describes it)."""
    seen: set[int] = set()
    found: BaseException | None = err
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if type(found) is ValueError and str(found).strip():
            return str(found).strip()
        found = found.__cause__ or found.__context__ or getattr(found, "exception", None)
    return ""


def complete(item_id: int, *, user: Any, data: dict | None = None) -> StepResult:
    """Complete a work item as ``user`` with form ``data``, validated against its form.

    The item is read and the workflow run, checked and serialized before the
    transaction begins; the transaction holds only the writes, which the
    state's version and the item's status guard (sql.step_transaction).
    """
    data = {} if data is None else data

    def command() -> StepResult:
        known = _known_item(item_id, user)
        if known is not None:
            live, item, relied_on = known
        else:
            read, grants_revision = sql.fetch_item(item_id)
            if read is None:
                raise NotFound(_("work item %(id)s does not exist") % {"id": item_id})
            _check_can_do(read, user, grants_revision)
            if read.instance_id is None:
                with transaction.atomic():
                    return _complete_standalone(read, user, data)
            assert read.instance is not None  # an item with an instance id was read with its instance
            item, live, relied_on = read, checkout(read.instance), None
        row = live.row
        task = _ready_task(live, item)
        cleaned = validate_submission(live.bundle.forms.get(item.form) if item.form else None, data, item)
        task.data.update(cleaned)
        task.data[f"{item.element_id}_by"] = user.get_username()
        try:
            task.run()
        except Exception as err:
            raise InvalidState(refusal_text(err) or f"{item.element_id}: {describe_failure(err)}") from err
        outcome = _outcome(live, run_engine(live.workflow))
        audit = {
            "instance_id": row.pk,
            "item_id": item.pk,
            "process_id": row.process_id,
            "element_id": item.element_id,
            "action": "completed",
            "actor_id": user.pk,
            "at": outcome.now,
            "data": {"data": cleaned},
        }
        items = [{**v, "instance_id": row.pk} for v in outcome.new_items]
        if sql.one_statement() and _items_only(live, outcome, closed=item.task_id):
            opened = sql.write_step(
                audit=audit,
                items=items,
                state=(row.pk, live.version, outcome.state, outcome.now, _ended(row, outcome)),
                close=(item.pk, user.pk, cleaned, outcome.now, item.assignee_id),
                grants=relied_on,
            )
            live.version += 1
            _remember_items(live, items, opened, closed=item.pk)
            return _saved(live, outcome, opened)
        if known is not None:
            _confirm(item, user, live)
        with sql.step_transaction():
            if not sql.close_item(
                item.pk, user_id=user.pk, result=cleaned, at=outcome.now, assignee_id=item.assignee_id
            ):
                raise _VersionClash()  # read again: the read says why (completed, cancelled, taken)
            result = _write(live, outcome, closed=item.task_id, open_items=False)
            opened_ids = sql.insert_items_and_audit(items, audit)
        result.opened = opened_ids()
        return result

    return _retrying(command, atomic=False)


def _known_item(item_id: int, user: Any) -> tuple[Live, WorkItem, int | None] | None:
    """(live workflow, item, the grants revision relied on) for an item this process opened, when
    its cached workflow is at hand and the user may do it by what this process knows; else None
    (the item is read). Only where the step's write checks that all this still holds
    (``sql.write_step``: the item open with that assignee, the state at that version, the
    grants revision unchanged) and otherwise reads it all again (``_confirm``): a refusal is
    never made on what this process knows, but on what the read finds."""
    if not sql.one_statement():
        return None
    live = LIVE.take_by_item(item_id)
    if live is None:
        return None
    item = sql.known_item(item_id, live.items[item_id], live.row)
    grants = known_grants(user) if item.assignee_id is None else (None, frozenset())
    if grants is None or not may_do(user, grants[1], item):
        LIVE.put(live)
        return None
    return live, item, grants[0]


def _confirm(item: WorkItem, user: Any, live: Live) -> None:
    """Read the item that ``_known_item`` found, for a write that does not check it itself:
    still open, with the same assignee, its instance at the live version, and the user still
    allowed; else the command is run again from a fresh read."""
    read, grants_revision = sql.fetch_item(item.pk)
    if (
        read is None
        or read.status != ItemStatus.OPEN
        or read.assignee_id != item.assignee_id
        or read.instance is None
        or read.instance.version != live.version
    ):
        raise _VersionClash()
    _check_can_do(read, user, grants_revision)


def _remember_items(live: Live, items: list[dict[str, Any]], opened: list[int], *, closed: int | None = None) -> None:
    """Keep the rows of the items a step opened with the live workflow (``Live.items``), when
    which id is which row is certain (one item opened)."""
    if closed is not None:
        live.items.pop(closed, None)
    if len(opened) == 1 and len(items) == 1:
        live.items[opened[0]] = items[0]


def _check_can_do(item: WorkItem, user: Any, grants_revision: int | None) -> None:
    if item.status != ItemStatus.OPEN:
        who = item.completed_by.get_username() if item.completed_by is not None else _("someone")
        if item.status == ItemStatus.CANCELLED:
            raise Conflict(_("work item %(id)s was already cancelled") % {"id": item.pk})
        raise Conflict(_("work item %(id)s was already completed by %(person)s") % {"id": item.pk, "person": who})
    # An assigned item is only the assignee's to do, whatever their roles.
    grants = grants_for(user, grants_revision) if item.assignee_id is None else frozenset()
    if not may_do(user, grants, item):
        raise NotAllowed(
            _("%(person)s may not do work item %(id)s (%(item)s)")
            % {"person": user.get_username(), "id": item.pk, "item": item.title}
        )


def _ready_task(live: Live, item: WorkItem) -> Any:
    task = live.workflow.get_task_from_id(UUID(item.task_id))
    if task is None or task.state != TaskState.READY:
        raise Conflict(_("work item %(id)s is no longer waiting to be done") % {"id": item.pk})
    return task


def _close_item(item: WorkItem, user: Any, result: dict) -> None:
    closed = sql.close_item(item.pk, user_id=user.pk, result=result, at=clock.now(), assignee_id=item.assignee_id)
    if not closed:
        raise _VersionClash()  # read again: the read says why (completed, cancelled, taken)


def _complete_standalone(item: WorkItem, user: Any, data: dict) -> StepResult:
    from .workitems import standalone_schema

    cleaned = validate_submission(standalone_schema(item), data, item)
    handler = registry.completion_handler(item.form) if item.form else None
    if handler is not None:
        handler(item, cleaned, user)
    _close_item(item, user, cleaned)
    audit.record("completed", item=item, actor=user, data={"data": cleaned})
    return StepResult(0, "standalone")


def correlate_message(name: str, *, business_key: str, data: dict | None = None, user: Any = None) -> StepResult:
    """Deliver message ``name`` with ``data`` to the instance waiting for it under ``business_key``."""
    if data is not None and not isinstance(data, dict):
        raise InvalidData({"": [_("message data must be a JSON object")]})

    def command() -> StepResult:
        waiting = sorted(
            set(MessageWait.objects.filter(name=name, business_key=business_key).values_list("instance_id", flat=True))
        )
        if not waiting:
            raise NotFound(
                _("no instance with business key %(key)s is waiting for message %(message)s")
                % {"key": repr(business_key), "message": repr(name)}
            )
        if len(waiting) > 1:
            raise Conflict(
                _(
                    "%(count)s instances with business key %(key)s wait for message %(message)s (%(instances)s); "
                    "keys must be unique"
                )
                % {
                    "count": len(waiting),
                    "key": repr(business_key),
                    "message": repr(name),
                    "instances": ", ".join(map(str, waiting)),
                }
            )
        live = checkout(load_head(waiting[0]))
        # The restored specs' message definition: an event matches a waiting one only if the classes are the same.
        event = BpmnEvent(spiff.MessageEventDefinition(name), payload=dict(data or {}))
        try:
            live.workflow.send_event(event)
        except WorkflowException as err:
            raise Conflict(f"instance {live.instance_id}: {err}") from err
        failures = run_engine(live.workflow)
        result = _save(live, actor=user, failures=failures)
        audit.record("message", instance=live.row, actor=user, data={"message": name, "data": data or {}})
        return result

    return _retrying(command)


def fire_due_timers(now: Any = None) -> int:
    """Fire every timer due at ``now`` (default: the clock's now); returns how many fired."""
    at = now or clock.now()
    fired = 0
    with clock.frozen(at):
        due = sorted(set(DueTimer.objects.filter(due_at__lte=at).values_list("instance_id", flat=True)))
        for instance_id in due:
            try:
                fired += _retrying(lambda iid=instance_id: _fire_instance(iid, at))
            except EngineError as err:
                log.warning("timers of instance %s not fired: %s", instance_id, err)
    return fired


def _fire_instance(instance_id: int, at: Any) -> int:
    row = load_head(instance_id)
    if row.status != InstanceStatus.RUNNING:
        DueTimer.objects.filter(instance_id=instance_id).delete()
        return 0
    live = checkout(row)
    due = {tid: (el, when) for tid, (el, when) in live.before.timers.items() if when <= at}
    try:
        live.workflow.refresh_timers()
    except Exception as err:  # noqa: BLE001 - a timer that cannot be evaluated is an incident
        first = next(iter(due), "")
        failures = [Failure(first, due[first][0] if first else "", describe_failure(err))]
    else:
        failures = run_engine(live.workflow)
    _save(live, actor=None, failures=failures)
    # A timer fired if its task no longer waits, or waits for its next cycle.
    fired = [el for tid, (el, when) in due.items() if live.before.timers.get(tid, (el, None))[1] != when]
    for element_id in fired:
        audit.record("timer_fired", instance=row, element_id=element_id, data={"at": at.isoformat()})
    return len(fired)


def retry_incident(incident_id: int, *, user: Any = None) -> StepResult:
    """Run the failed step again now (an admin's retry, or the worker's after its backoff)."""

    def command() -> StepResult:
        incident = Incident.objects.filter(pk=incident_id).first()
        if incident is None:
            raise NotFound(_("incident %(id)s does not exist") % {"id": incident_id})
        if incident.status not in (IncidentStatus.RETRYING, IncidentStatus.WAITING):
            raise InvalidState(
                _("incident %(id)s is %(status)s; only open incidents are retried")
                % {"id": incident_id, "status": incident.status}
            )
        live = checkout(load_head(incident.instance_id))
        task = live.workflow.get_task_from_id(UUID(incident.task_id)) if incident.task_id else None
        if task is not None and task.state == TaskState.ERROR:
            task._set_state(TaskState.READY)
        try:
            live.workflow.refresh_timers()
        except Exception as err:  # noqa: BLE001
            failures = [Failure(incident.task_id, incident.element_id, describe_failure(err))]
        else:
            failures = run_engine(live.workflow)
        result = _save(live, actor=user, failures=failures)
        if not failures:
            Incident.objects.filter(pk=incident.pk).update(
                status=IncidentStatus.RESOLVED, updated_at=clock.now(), next_attempt_at=None
            )
        audit.record(
            "retried",
            instance=live.row,
            actor=user,
            element_id=incident.element_id,
            data={"incident": incident.pk, "resolved": not failures},
        )
        return result

    return _retrying(command)


def retry_due_incidents(now: Any = None) -> int:
    """Retry every incident whose backoff has passed at ``now``; returns how many were tried."""
    at = now or clock.now()
    with clock.frozen(at):
        due = list(
            Incident.objects.filter(status=IncidentStatus.RETRYING, next_attempt_at__lte=at).values_list(
                "pk", flat=True
            )
        )
        for incident_id in due:
            try:
                retry_incident(incident_id)
            except EngineError as err:
                log.warning("incident %s not retried: %s", incident_id, err)
    return len(due)


def cancel(instance_id: int, *, user: Any, reason: str) -> None:
    """Cancel a running instance: its open items, timers, waits and incidents end with it."""
    if not reason or not reason.strip():
        raise InvalidData({"reason": [_("a cancellation needs a reason")]})
    grants = grants_for(user)

    def command() -> None:
        row = load_head(instance_id)
        if row.status != InstanceStatus.RUNNING:
            raise InvalidState(
                _("instance %(id)s is %(status)s; only running instances can be cancelled")
                % {"id": instance_id, "status": row.status}
            )
        if not any(holds(grants, role, row.store_id) for role in ("store_manager", "hq", "admin")):
            raise NotAllowed(
                _("%(person)s may not cancel instance %(id)s") % {"person": user.get_username(), "id": instance_id}
            )
        live = checkout(row)
        live.workflow.cancel()
        now = clock.now()
        changed = ProcessInstance.objects.filter(pk=row.pk, version=live.version).update(
            state=live.encoder.encode(live.workflow),
            version=live.version + 1,
            status=InstanceStatus.CANCELLED,
            updated_at=now,
            ended_at=now,
            end_reason=reason.strip(),
        )
        if not changed:
            raise _VersionClash()
        WorkItem.objects.filter(instance_id=row.pk, status=ItemStatus.OPEN).update(status=ItemStatus.CANCELLED)
        DueTimer.objects.filter(instance_id=row.pk).delete()
        MessageWait.objects.filter(instance_id=row.pk).delete()
        Incident.objects.filter(
            instance_id=row.pk, status__in=[IncidentStatus.RETRYING, IncidentStatus.WAITING]
        ).update(status=IncidentStatus.CANCELLED, updated_at=now, next_attempt_at=None)
        audit.record("cancelled", instance=row, actor=user, data={"reason": reason.strip()})

    _retrying(command)
