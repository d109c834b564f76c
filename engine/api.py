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

# --- the rule studio (issue 20): its catalog, versions, explanations, cases, saves from a version, rollbacks
from .rules.studio import MAX_TEXT_BYTES as RULES_MAX_TEXT_BYTES
from .rules.studio import VersionMoved as RulesVersionMoved
from .rules.studio import explain as explain_rules
from .rules.studio import fact_kind as rules_fact_kind
from .rules.studio import facts_of as rules_facts_of
from .rules.studio import rollback as rollback_rules
from .rules.studio import rule_sets, rules_catalog, rules_text, rules_versions
from .rules.studio import run_cases as run_rules_cases
from .rules.studio import save_from as save_rules_from
from .rules.studio import shipped_cases as rules_shipped_cases
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
    "RULES_MAX_TEXT_BYTES",
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
    "NewerVersion",  # studio modeler
    "NotAllowed",
    "NotDeployed",
    "NotFound",
    "Param",
    "Problem",
    "ProcessInstance",
    "Progress",
    "RulesRefused",
    "RulesVersionMoved",
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
    "deploy_edit",  # studio modeler
    "deploy_paths",
    "deploy_sources",
    "deployment_texts",
    "dismiss",
    "dry_run_rules",
    "evaluate_rules",
    "explain_rules",
    "field_choices",
    "fire_due_timers",
    "form_for",
    "grants_changed",
    "hand_over",
    "inbox_for",
    "inbox_querysets",
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
    "registered_services",  # studio modeler
    "release",
    "render_text",
    "retry_due_incidents",
    "retry_incident",
    "rollback_rules",
    "rule_sets",
    "rules_catalog",
    "rules_constants",
    "rules_fact_kind",
    "rules_facts_of",
    "rules_history",
    "rules_shipped_cases",
    "rules_text",
    "rules_versions",
    "run_rules_cases",
    "running_instance_id",
    "save_rules",
    "save_rules_from",
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


# -- The studio's processes pages: versions, downloads, comparison, roll back, diagrams (engine/versions.py).
from .versions import (  # noqa: E402
    INSTANCE_FILTERS,
    compare_versions,
    data_labels,
    element_names,
    element_stats,
    instance_data,
    instance_diagram,
    instance_waits,
    instances_of,
    process_versions,
    public_diagram,
    rollback,
    version_archive,
    version_numbers,
    version_summary,
    version_xml,
)

__all__ += [
    "INSTANCE_FILTERS",
    "compare_versions",
    "data_labels",
    "element_names",
    "element_stats",
    "instance_data",
    "instance_diagram",
    "instance_waits",
    "instances_of",
    "process_versions",
    "public_diagram",
    "rollback",
    "version_archive",
    "version_numbers",
    "version_summary",
    "version_xml",
]
# --- the studio's modeler (issue 19): the service functions the properties panel offers, and a deploy
# --- of an edit that refuses to replace a version the editor never saw.


class NewerVersion(Conflict):
    """An edit of ``base_version`` was deployed after ``live`` (a newer version) was stored."""

    def __init__(self, live: Deployment, base_version: int):
        self.live = live
        self.base_version = base_version
        super().__init__(
            _("version %(live)s of %(process)s was deployed after version %(base)s, which this edit started from")
            % {"live": live.version, "process": live.process_id, "base": base_version}
        )


def registered_services() -> list[dict[str, Any]]:
    """Every service function BPMN may call: name, description and keyword parameters
    (name, type annotation, required, default as text), sorted by name."""
    import inspect

    from .registry import services

    listed = []
    for name, service in sorted(services().items()):
        params = []
        for param in inspect.signature(service.function).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            annotation = param.annotation
            params.append(
                {
                    "name": param.name,
                    "type": getattr(annotation, "__name__", "") if annotation is not param.empty else "",
                    "required": param.default is param.empty,
                    "default": "" if param.default is param.empty else repr(param.default),
                }
            )
        listed.append({"name": name, "description": service.description, "parameters": params})
    return listed


def deploy_edit(sources: list[Source], *, process_id: str, base_version: int, user: Any, comment: str = "") -> Deployed:
    """Deploy ``sources`` as the next version of ``process_id``, edited from ``base_version``
    (0: a new process), and audit it with ``comment``.

    Refuses with NewerVersion when a version newer than ``base_version`` exists, unless it is this
    very edit stored a moment ago by the same user (a double submit answers that version again).
    The live row is locked first, so two admins saving edits of one version are serialized: the
    second reads the first's version and is refused instead of silently replacing it.
    """
    from django.db import transaction

    from . import audit

    with transaction.atomic():
        list(Deployment.objects.select_for_update().filter(process_id=process_id).order_by("-version")[:1])
        live = Deployment.objects.filter(process_id=process_id).order_by("-version").first()
        bpmn = next((s for s in sources if s.kind == "bpmn"), None)
        if live is not None and live.version != base_version:
            same_edit = (
                bpmn is not None and live.bpmn_xml == bpmn.text and live.deployed_by_id == getattr(user, "pk", 0)
            )
            if live.version > base_version and same_edit:
                return Deployed(process_id, live.version, unchanged=True)
            raise NewerVersion(live, base_version)
        deployed = [d for d in deploy_sources(sources, user=user) if d.process_id == process_id]
        if not deployed:
            name = bpmn.name if bpmn is not None else process_id
            raise DeploymentRefused(
                [Problem(name, "(file)", _("the file holds no executable process %(id)r") % {"id": process_id})]
            )
        audit.record(
            "deploy_comment",
            actor=user,
            process_id=process_id,
            data={"version": deployed[0].version, "from_version": base_version, "comment": comment},
        )
        return deployed[0]


# --- rule replay (issue 20, item 4): the facts each evaluation saw, and an edit replayed over them ---
from .rules.recorded import purge as purge_rule_facts  # noqa: E402
from .rules.replay import DEFAULT_DAYS as REPLAY_DAYS  # noqa: E402
from .rules.replay import ReplayRunning  # noqa: E402
from .rules.replay import replay_edit as replay_rules  # noqa: E402

__all__ += ["REPLAY_DAYS", "ReplayRunning", "purge_rule_facts", "replay_rules"]


# untrusted values in Markdown (issue 22): what fill_instructions does to each value, for the inbox's own filling.
from .vocabulary import as_markdown_text  # noqa: E402

__all__ += ["as_markdown_text"]


# reports (the inbox at scale): the open items of a user's inbox as querysets, for the inbox list's filters,
# counts per process and keyset paging (portal/inbox/selectors.py).
def inbox_querysets(user: Any) -> tuple[Any, Any]:
    """(open items assigned to the user, open unassigned items their roles may claim), unordered and unlimited.

    The second leaves out the items that name the user among those who may not do them (``excluded``,
    a JSON list of usernames, matched as its quoted text so that every database can do it).
    """
    from .permissions import claimable_filter, grants_for
    from .workitems import open_items as _open

    grants = grants_for(user)
    mine = _open().filter(assignee_id=user.pk)
    claimable = (
        _open()
        .filter(claimable_filter(grants), assignee__isnull=True)
        .exclude(excluded__icontains=f'"{user.get_username()}"')
    )
    return mine, claimable
