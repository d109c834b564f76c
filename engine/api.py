"""The engine's service API: the one door into the engine for the portal and the workers.

Functions, not views. Every function that changes something takes the acting
user, checks what they may do, and either changes everything it says or
nothing, raising one of the error classes below.

What is public, and so all that code outside ``engine/`` may import (an
import-linter contract in ``pyproject.toml`` refuses any other engine module):

- the commands (start, complete, claim, assign, cancel, deploy, rules, timers...)
  and the selectors written for one caller's question (``running_instance_id``,
  ``business_keys``, ``open_items``, ``inbox_for``...);
- the error classes, so that a caller can tell a refusal from a conflict;
- the registration decorators with which the portal gives BPMN files their
  service functions, form choice providers and standalone completions;
- the work-item, instance, deployment and audit models with their status enums,
  read-only, for the inbox's selectors: rows change only through the commands.
"""

from typing import Any

from django.utils.translation import gettext as _

from . import store
from .clock import now, parse_aware
from .deploy import Deployed, Source, check_sources, deploy_paths, deploy_sources
from .errors import (
    Conflict,
    DeploymentRefused,
    EngineError,
    InvalidData,
    InvalidState,
    NotAllowed,
    NotDeployed,
    NotFound,
    Problem,
    ScriptRefused,
)
from .forms import choice_fields, choices_for
from .models import (
    AuditEvent,
    Deployment,
    DueTimer,
    Incident,
    IncidentStatus,
    InstanceStatus,
    ItemKind,
    ItemStatus,
    ProcessInstance,
    WorkItem,
)
from .permissions import grants_changed, user_by_name
from .progress import Progress, item_progress
from .registry import register_choices, register_completion, register_service
from .rules.catalog import Param, register_action, register_fact_builder, register_fact_type
from .rules.host import Decision
from .rules.versions import RulesRefused
from .rules.versions import check_text as check_rules
from .rules.versions import dry_run as dry_run_rules
from .rules.versions import evaluate as evaluate_rules
from .rules.versions import history as rules_history
from .rules.versions import in_force as _rules_in_force
from .rules.versions import save as save_rules
from .runtime import (
    StepResult,
    cancel,
    complete,
    correlate_message,
    fire_due_timers,
    retry_due_incidents,
    retry_incident,
    start,
)
from .sql import checkpoint_wal as checkpoint_database
from .stats import process_stats
from .translations import active_language, deployment_texts, localize_form, localize_item, localize_items, message
from .translations import render as render_text
from .workitems import (
    Inbox,
    assign,
    claim,
    counts_for,
    create_item,
    create_items,
    dismiss,
    hand_over,
    inbox_for,
    item_visible_to,
    may_work_on,
    release,
    set_priority,
    standalone_schema,
    withdraw_items,
)

__all__ = [
    "AuditEvent",
    "Conflict",
    "Decision",
    "Deployed",
    "Deployment",
    "DeploymentRefused",
    "EngineError",
    "Inbox",
    "InstanceStatus",
    "InvalidData",
    "InvalidState",
    "ItemKind",
    "ItemStatus",
    "NotAllowed",
    "NotDeployed",
    "NotFound",
    "Param",
    "Problem",
    "ProcessInstance",
    "Progress",
    "RulesRefused",
    "ScriptRefused",
    "Source",
    "StepResult",
    "WorkItem",
    "assign",
    "business_keys",
    "cancel",
    "check_rules",
    "check_sources",
    "checkpoint_database",
    "claim",
    "complete",
    "correlate_message",
    "counts_for",
    "create_item",
    "create_items",
    "deploy_paths",
    "deploy_sources",
    "deployment_texts",
    "dismiss",
    "dry_run_rules",
    "evaluate_rules",
    "field_choices",
    "fire_due_timers",
    "form_for",
    "grants_changed",
    "hand_over",
    "inbox_for",
    "incidents",
    "instance_detail",
    "item_as_dict",
    "item_progress",
    "item_visible_to",
    "localize_item",
    "localize_items",
    "may_work_on",
    "message",
    "now",
    "open_items",
    "parse_aware",
    "process_names",
    "process_stats",
    "register_action",
    "register_choices",
    "register_completion",
    "register_fact_builder",
    "register_fact_type",
    "register_service",
    "release",
    "render_text",
    "retry_due_incidents",
    "retry_incident",
    "rules_constants",
    "rules_history",
    "running_instance_id",
    "save_rules",
    "set_priority",
    "start",
    "user_by_name",
    "withdraw_items",
]


def running_instance_id(process_id: str, business_key: str) -> int | None:
    """The id of the running instance of ``process_id`` under ``business_key``, if there is one."""
    return (
        ProcessInstance.objects.filter(process_id=process_id, business_key=business_key, status=InstanceStatus.RUNNING)
        .values_list("pk", flat=True)
        .first()
    )


def business_keys(process_id: str) -> set[str]:
    """The business keys of every instance of ``process_id``, whatever its status."""
    return set(ProcessInstance.objects.filter(process_id=process_id).values_list("business_key", flat=True))


def open_items(instance_id: int) -> list[WorkItem]:
    """The instance's open work items, oldest first."""
    return list(WorkItem.objects.filter(instance_id=instance_id, status=ItemStatus.OPEN).order_by("id"))


def rules_constants(ruleset: str) -> dict[str, Any]:
    """The ``set`` values of the rule set in force (the business's numbers live in the file)."""
    return dict(_rules_in_force(ruleset).ruleset.constants)


def form_for(item: WorkItem, *, language: str | None = None) -> dict | None:
    """The JSON Schema of the item's form (from its deployment), or None for a plain confirmation.

    Its titles, descriptions and choice labels are in ``language`` (default: the active
    one) where the form carries translations; what it accepts is the same in every language.
    """
    if not item.form:
        return None
    if item.instance_id is None:
        return localize_form(standalone_schema(item), language)
    row = ProcessInstance.objects.only("deployment_id", "callees").get(pk=item.instance_id)
    return localize_form(store.bundle(row.deployment_id, row.callees).forms.get(item.form), language)


def process_names(process_ids: set[str], *, language: str | None = None) -> dict[str, str]:
    """process id -> the name its newest deployment gives it, in ``language`` (default: the active one)."""
    names: dict[str, str] = {}
    rows = Deployment.objects.filter(process_id__in=process_ids).order_by("process_id", "-version")
    for pk, process_id, name in rows.values_list("pk", "process_id", "name"):
        if process_id not in names:
            drawn = name or process_id
            names[process_id] = deployment_texts(pk).text(process_id, "name", _language(language), drawn)
    return names


def _language(language: str | None) -> str:
    return active_language(language)


def field_choices(item: WorkItem, schema: dict | None = None) -> dict[str, list[dict[str, Any]]]:
    """field path -> [{"value", "label"}] for each field whose choices come from a provider."""
    schema = schema if schema is not None else form_for(item)
    if not schema:
        return {}
    return {path: choices_for(provider, item) for path, provider in choice_fields(schema).items()}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def item_as_dict(item: WorkItem) -> dict[str, Any]:
    """The stable JSON form of a work item (documented in the README): the title in the
    active language, ``drawn_title`` as the file or the code wrote it."""
    localize_item(item)
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "drawn_title": item.__dict__["drawn_title"],
        "process_id": item.process_id,
        "instance_id": item.instance_id,
        "element_id": item.element_id,
        "role": item.role,
        "store_id": item.store_id,
        "assignee": item.assignee.get_username() if item.assignee is not None else None,
        "claimed": item.claimed,
        "subject": {"label": item.subject_label, "ref": item.subject_ref},
        "due_at": _iso(item.due_at),
        "priority": item.priority,
        "form": item.form or None,
        "status": item.status,
        "created_at": _iso(item.created_at),
    }


def instance_detail(instance_id: int) -> dict[str, Any]:
    """Status, version, open tasks, timers, incidents and the audit trail of an instance."""
    row = ProcessInstance.objects.select_related("deployment").filter(pk=instance_id).first()
    if row is None:
        raise NotFound(_("instance %(id)s does not exist") % {"id": instance_id})
    callee_versions = dict(Deployment.objects.filter(pk__in=row.callees.values()).values_list("process_id", "version"))
    return {
        "id": row.pk,
        "process_id": row.process_id,
        "version": row.deployment.version,
        "business_key": row.business_key,
        "store_id": row.store_id,
        "status": row.status,
        "end_reason": row.end_reason,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "state_version": row.version,
        "state_bytes": len(row.state.rstrip().encode()),  # the JSON, without SQLite's padding
        "called_process_versions": callee_versions,
        "open_tasks": [
            item_as_dict(i)
            for i in WorkItem.objects.filter(instance=row, status=ItemStatus.OPEN)
            .select_related("assignee")
            .order_by("id")
        ],
        "timers": [
            {"element_id": t.element_id, "due_at": _iso(t.due_at)}
            for t in DueTimer.objects.filter(instance=row).order_by("due_at")
        ],
        "incidents": [_incident_dict(i) for i in Incident.objects.filter(instance=row).order_by("id")],
        "audit": [
            {
                "at": _iso(at),
                "action": action,
                "element_id": element_id,
                "actor": actor,
                "work_item": work_item,
                "data": data,
            }
            for at, action, element_id, actor, work_item, data in AuditEvent.objects.filter(instance=row)
            .order_by("at", "id")
            .values_list("at", "action", "element_id", "actor__username", "work_item_id", "data")
        ],
    }


def _incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "instance_id": incident.instance_id,
        "element_id": incident.element_id,
        "error": incident.error,
        "attempts": incident.attempts,
        "status": incident.status,
        "next_attempt_at": _iso(incident.next_attempt_at),
        "created_at": _iso(incident.created_at),
    }


def incidents(*, open_only: bool = True) -> list[dict[str, Any]]:
    rows = Incident.objects.order_by("id")
    if open_only:
        rows = rows.filter(status__in=[IncidentStatus.RETRYING, IncidentStatus.WAITING])
    return [_incident_dict(i) for i in rows]


# --- The studio's migration of running instances and incident actions (issue 19, items 6 and 7) ---
from . import incident_actions as _incident_actions  # noqa: E402
from . import migration as _migration  # noqa: E402

MigrationPlan = _migration.Plan
MigrationVerdict = _migration.Verdict
migration_results = _migration.results
migration_batch_ran = _migration.batch_ran
incidents_retry = _incident_actions.retry
incidents_cancel = _incident_actions.cancel
incident_rows = _incident_actions.rows


def migration_dry_run(
    process_id: str, *, from_version: int, to_version: int, instance_ids: list[int] | None = None
) -> MigrationPlan:
    """For each running instance of ``process_id`` on ``from_version``: can it move to ``to_version``,
    and if not, why not. Changes nothing."""
    return _migration.plan(process_id, from_version=from_version, to_version=to_version, instance_ids=instance_ids)


def migrate_instances(
    process_id: str,
    *,
    from_version: int,
    to_version: int,
    reason: str,
    user: Any = None,
    batch: str = "",
    instance_ids: list[int] | None = None,
) -> MigrationPlan:
    """Move every running instance on ``from_version`` that can move to ``to_version``, each in its own
    transaction, audited with ``user`` and ``reason``; a ``batch`` id that already ran does nothing again."""
    return _migration.migrate(
        process_id,
        from_version=from_version,
        to_version=to_version,
        reason=reason,
        user=user,
        batch=batch,
        instance_ids=instance_ids,
    )


__all__ += [
    "MigrationPlan",
    "MigrationVerdict",
    "incident_rows",
    "incidents_cancel",
    "incidents_retry",
    "migrate_instances",
    "migration_batch_ran",
    "migration_dry_run",
    "migration_results",
]
