"""A process's versions as the studio shows them: the list, a download, a comparison, a roll back,
and what each element of the diagram holds (instances waiting, time spent, incidents).

Reads take ``stores``: the store ids whose instances the reader may count (None: every store, for
admins and hq). Instances of no store count only for readers of every store. Rolling back is the one
command here: it stores an old version's files again as the newest version, so new instances start
on it while running instances keep the version they started on.
"""

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q
from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.util.task import TaskState

from . import audit, clock, jsontext, spiff, store
from .errors import Conflict, InvalidData, NotAllowed, NotFound
from .models import (
    AuditEvent,
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
from .permissions import grants_for, holds
from .translations import BPMN_NS, SPIFF_NS, active_language, deployment_texts, localize_form

Stores = Iterable[int] | None
OPEN_INCIDENTS = (IncidentStatus.RETRYING, IncidentStatus.WAITING)
FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED, InstanceStatus.FAILED)
ROLLED_BACK = "rolled_back"
# What a person's diagram keeps of a file: the drawing and the names, never the expressions,
# scripts or properties (they may say more about the business than the step's doer should read).
_PRIVATE_TAGS = (
    f"{{{BPMN_NS}}}extensionElements",
    f"{{{BPMN_NS}}}conditionExpression",
    f"{{{BPMN_NS}}}script",
    f"{{{BPMN_NS}}}documentation",
)
_NOT_ELEMENTS = {"extensionElements", "incoming", "outgoing", "flowNodeRef", "laneSet", "documentation"}


def _instances(stores: Stores, prefix: str = "") -> Q:
    if stores is None:
        return Q()
    return Q(**{f"{prefix}store_id__in": sorted(set(stores))})


def _version(process_id: str, version: int) -> Deployment:
    row = Deployment.objects.filter(process_id=process_id, version=version).select_related("deployed_by").first()
    if row is None:
        raise NotFound(
            _("version %(version)s of process %(process)s does not exist") % {"version": version, "process": process_id}
        )
    return row


# -- the list ---------------------------------------------------------------------------------------


def process_versions(*, stores: Stores = None, language: str | None = None) -> list[dict[str, Any]]:
    """Every deployed process, newest version first, each version with who deployed it and when, its
    running and finished instances and open incidents (counted in ``stores``), the newest marked live."""
    language = active_language(language)
    counts: dict[int, dict[str, int]] = {}
    rows = (
        ProcessInstance.objects.filter(_instances(stores))
        .values("deployment_id", "status")
        .annotate(n=Count("id"))
        .values_list("deployment_id", "status", "n")
    )
    for deployment_id, status, n in rows:
        tally = counts.setdefault(deployment_id, {"running": 0, "finished": 0})
        tally["running" if status == InstanceStatus.RUNNING else "finished"] += n
    incidents = dict(
        Incident.objects.filter(_instances(stores, "instance__"), status__in=OPEN_INCIDENTS)
        .values("instance__deployment_id")
        .annotate(n=Count("id"))
        .values_list("instance__deployment_id", "n")
    )
    rollbacks = _rollbacks()
    processes: dict[str, dict[str, Any]] = {}
    deployments = Deployment.objects.order_by("process_id", "-version").select_related("deployed_by")
    for row in deployments.only("pk", "process_id", "version", "name", "bpmn_file", "deployed_at", "deployed_by"):
        entry = processes.get(row.process_id)
        if entry is None:
            drawn = row.name or row.process_id
            entry = processes[row.process_id] = {
                "process_id": row.process_id,
                "name": deployment_texts(row.pk).text(row.process_id, "name", language, drawn),
                "versions": [],
                "running": 0,
                "incidents": 0,
            }
        count = counts.get(row.pk, {"running": 0, "finished": 0})
        entry["running"] += count["running"]
        entry["incidents"] += incidents.get(row.pk, 0)
        entry["versions"].append(
            {
                "version": row.version,
                "live": not entry["versions"],
                "file": row.bpmn_file,
                "deployed_at": row.deployed_at,
                "deployed_by": row.deployed_by,
                "running": count["running"],
                "finished": count["finished"],
                "incidents": incidents.get(row.pk, 0),
                "rolled_back_from": rollbacks.get((row.process_id, row.version)),
            }
        )
    return sorted(processes.values(), key=lambda p: p["name"])


def version_numbers(process_id: str) -> list[int]:
    """The process's version numbers, newest first (empty when it is not deployed)."""
    rows = Deployment.objects.filter(process_id=process_id).order_by("-version")
    return list(rows.values_list("version", flat=True))


def _rollbacks(process_id: str | None = None) -> dict[tuple[str, int], dict[str, Any]]:
    """(process, version) -> {"version", "reason", "actor", "at"} for versions made by rolling back."""
    events = AuditEvent.objects.filter(action=ROLLED_BACK, instance__isnull=True)
    if process_id is not None:
        events = events.filter(process_id=process_id)
    found = {}
    for event in events.select_related("actor"):
        data = event.data or {}
        found[(event.process_id, int(data.get("version", 0)))] = {
            "version": data.get("from_version"),
            "reason": data.get("reason", ""),
            "actor": event.actor,
            "at": event.at,
        }
    return found


def version_summary(process_id: str, version: int, *, language: str | None = None) -> dict[str, Any]:
    """One version's name, file, who deployed it and when, whether it is live, and its files' names."""
    row = _version(process_id, version)
    newest = Deployment.objects.filter(process_id=process_id).aggregate(v=Max("version"))["v"]
    drawn = row.name or process_id
    return {
        "process_id": process_id,
        "version": row.version,
        "name": deployment_texts(row.pk).text(process_id, "name", active_language(language), drawn),
        "file": row.bpmn_file,
        "forms": sorted(row.forms),
        "dmn_files": sorted(row.dmn_files),
        "deployed_at": row.deployed_at,
        "deployed_by": row.deployed_by,
        "live": row.version == newest,
        "newest": newest,
        "versions": list(
            Deployment.objects.filter(process_id=process_id).order_by("-version").values_list("version", flat=True)
        ),
        "rolled_back_from": _rollbacks(process_id).get((process_id, row.version)),
    }


# -- files ------------------------------------------------------------------------------------------


def version_xml(process_id: str, version: int) -> str:
    return _version(process_id, version).bpmn_xml


def version_archive(process_id: str, version: int) -> tuple[str, bytes]:
    """(file name, zip bytes): the version's BPMN file, its DMN files and its forms under forms/,
    laid out as ``manage.py deploy`` reads them, so the archive can be deployed again."""
    row = _version(process_id, version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(row.bpmn_file, row.bpmn_xml)
        for name, text in sorted(row.dmn_files.items()):
            archive.writestr(name, text)
        for name, schema in sorted(row.forms.items()):
            archive.writestr(f"forms/{name}", json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
    return f"{process_id}-v{row.version}.zip", buffer.getvalue()


def public_diagram(
    process_id: str, version: int, *, language: str | None = None, lane_names: dict[str, str] | None = None
) -> str:
    """The version's BPMN for a diagram anyone working on the process may see: names in the reader's
    language, without expressions, scripts, documentation or extension properties. ``lane_names``
    (role code -> how people say it) renames the lanes whose drawn name is a role code."""
    row = _version(process_id, version)
    tree = etree.fromstring(row.bpmn_xml.encode(), parser=etree.XMLParser(resolve_entities=False))
    texts = deployment_texts(row.pk)
    language = active_language(language)
    for tag in _PRIVATE_TAGS:
        for node in list(tree.iter(tag)):
            node.getparent().remove(node)
    for node in tree.iter(f"{{{BPMN_NS}}}*"):
        drawn = node.get("name")
        if node.get("id") and drawn:
            shown = texts.text(node.get("id"), "name", language, drawn)
            if shown == drawn and lane_names and etree.QName(node).localname == "lane":
                shown = lane_names.get(drawn.strip(), drawn)
            node.set("name", shown)
    return etree.tostring(tree, encoding="unicode")


# -- comparing two versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Element:
    id: str
    type: str
    name: str
    properties: dict[str, str]
    condition: str
    form: Any

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "name": self.name}


def _elements(row: Deployment) -> dict[str, _Element]:
    """Every BPMN element with an id inside the processes of the file (lanes, tasks, events,
    gateways, flows), with what LotFlow reads of it."""
    tree = etree.fromstring(row.bpmn_xml.encode(), parser=etree.XMLParser(resolve_entities=False))
    found: dict[str, _Element] = {}
    for process in tree.iter(f"{{{BPMN_NS}}}process"):
        for node in process.iter(f"{{{BPMN_NS}}}*"):
            kind = etree.QName(node).localname
            if not node.get("id") or kind in _NOT_ELEMENTS or node is process:
                continue
            if node.getparent() is not None and etree.QName(node.getparent()).localname.endswith("EventDefinition"):
                continue
            if kind.endswith("EventDefinition") or kind in ("conditionExpression", "script"):
                continue
            props = _extension_settings(node)
            form_name = props.get("form", "")
            found[node.get("id")] = _Element(
                id=node.get("id"),
                type=_event_type(node, kind),
                name=(node.get("name") or "").strip(),
                properties=props,
                condition=(node.findtext(f"{{{BPMN_NS}}}conditionExpression") or "").strip(),
                form=row.forms.get(form_name) if form_name else None,
            )
    return found


def _event_type(node: Any, kind: str) -> str:
    for child in node:
        if isinstance(child.tag, str) and child.tag.endswith("EventDefinition"):
            return f"{kind}:{etree.QName(child).localname.removesuffix('EventDefinition')}"
    return kind


def _extension_settings(node: Any) -> dict[str, str]:
    """The element's own settings: spiffworkflow properties, instructions, service call, scripts,
    timer values and script text, flattened to name -> text."""
    props: dict[str, str] = {}
    own = node.find(f"{{{BPMN_NS}}}extensionElements")
    if own is not None:
        for prop in own.iter(f"{{{SPIFF_NS}}}property"):
            props[prop.get("name", "")] = prop.get("value", "")
        for child in own:
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            if local == "properties":
                continue
            if local == "serviceTaskOperator":
                props["service"] = child.get("id", "")
                for param in child.iter(f"{{{SPIFF_NS}}}parameter"):
                    props[f"service.{param.get('id')}"] = param.get("value", "")
                if child.get("resultVariable"):
                    props["service.result"] = child.get("resultVariable", "")
            else:
                props[local] = (child.text or "").strip()
    script = node.findtext(f"{{{BPMN_NS}}}script")
    if script:
        props["script"] = script.strip()
    for definition in node:
        if isinstance(definition.tag, str) and definition.tag.endswith("EventDefinition"):
            for child in definition:
                if isinstance(child.tag, str) and child.text and child.text.strip():
                    props[etree.QName(child).localname] = child.text.strip()
            for attr in ("messageRef", "signalRef", "errorRef"):
                if definition.get(attr):
                    props[attr] = definition.get(attr, "")
    for attr in ("sourceRef", "targetRef", "attachedToRef", "calledElement", "cancelActivity", "default"):
        if node.get(attr) is not None:
            props[attr] = node.get(attr, "")
    return props


def compare_versions(process_id: str, old: int, new: int) -> dict[str, Any]:
    """What changed from version ``old`` to ``new``: the elements added, removed and changed, each
    change naming what differs (name, type, a property, the form, the condition) with both values."""
    if old == new:
        raise InvalidData({"versions": [_("choose two different versions to compare")]})
    before, after = _elements(_version(process_id, old)), _elements(_version(process_id, new))
    changed = []
    for element_id in sorted(before.keys() & after.keys()):
        differences = _differences(before[element_id], after[element_id])
        if differences:
            changed.append({**after[element_id].describe(), "changes": differences})
    return {
        "process_id": process_id,
        "old": old,
        "new": new,
        "added": [after[e].describe() for e in sorted(after.keys() - before.keys())],
        "removed": [before[e].describe() for e in sorted(before.keys() - after.keys())],
        "changed": changed,
    }


def _differences(a: _Element, b: _Element) -> list[dict[str, Any]]:
    found = []
    for what, old, new in (("name", a.name, b.name), ("type", a.type, b.type), ("condition", a.condition, b.condition)):
        if old != new:
            found.append({"what": what, "key": "", "old": old, "new": new})
    for key in sorted(a.properties.keys() | b.properties.keys()):
        old, new = a.properties.get(key, ""), b.properties.get(key, "")
        if old != new:
            found.append({"what": "property", "key": key, "old": old, "new": new})
    if a.form != b.form and a.properties.get("form") == b.properties.get("form"):
        # The same form file name with other fields: say which fields moved.
        found.append({"what": "form", "key": a.properties.get("form", ""), **_form_change(a.form, b.form)})
    return found


def _form_change(old: Any, new: Any) -> dict[str, str]:
    fields_old = set(((old or {}).get("properties") or {}).keys())
    fields_new = set(((new or {}).get("properties") or {}).keys())
    changed = sorted(
        f
        for f in fields_old & fields_new
        if ((old or {}).get("properties") or {}).get(f) != ((new or {}).get("properties") or {}).get(f)
    )
    return {
        "old": ", ".join(sorted(fields_old - fields_new)),
        "new": ", ".join(sorted(fields_new - fields_old)),
        "fields_changed": ", ".join(changed),
    }


# -- rolling back -----------------------------------------------------------------------------------


def rollback(process_id: str, version: int, *, user: Any, reason: str) -> int:
    """Store version ``version``'s files again as the newest version of the process, for admins, with
    their reason; returns the new version number. Running instances keep the version they run on."""
    if not holds(grants_for(user), "admin", None):
        raise NotAllowed(_("only an administrator may roll a process back"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData({"reason": [_("say why you roll back (the reason is kept in the audit trail)")]})
    try:
        with transaction.atomic():
            # Two admins rolling back at once: the unique (process, version) constraint lets one win.
            old = _version(process_id, version)
            live = Deployment.objects.filter(process_id=process_id).order_by("-version").only("version", "checksum")[0]
            newest = live.version
            # A second click of the same roll back (or rolling back to what is live) stores nothing.
            if old.version == newest or old.checksum == live.checksum:
                raise InvalidData({"version": [_("version %(version)s is already live") % {"version": version}]})
            copy = Deployment.objects.create(
                process_id=process_id,
                version=newest + 1,
                name=old.name,
                bpmn_file=old.bpmn_file,
                bpmn_xml=old.bpmn_xml,
                dmn_files=old.dmn_files,
                forms=old.forms,
                spec=old.spec,
                called_processes=old.called_processes,
                checksum=old.checksum,
                deployed_by=user,
                deployed_at=clock.now(),
            )
            audit.record(
                ROLLED_BACK,
                actor=user,
                process_id=process_id,
                data={"version": copy.version, "from_version": old.version, "replaced": newest, "reason": reason},
            )
    except IntegrityError as err:
        raise Conflict(_("someone else deployed this process at the same moment; look again and retry")) from err
    return copy.version


# -- the diagram's numbers and the instances behind them --------------------------------------------


def element_stats(process_id: str, *, stores: Stores = None, version: int | None = None) -> dict[str, dict]:
    """element id -> {"waiting", "done", "average_seconds", "incidents"} over the process's instances
    in ``stores`` (of one version, if given). Waiting: open tasks, timers and message waits of
    running instances; time spent: opened to done, over done tasks; incidents: open ones."""
    if not Deployment.objects.filter(process_id=process_id).exists():
        raise NotFound(_("process %(process)s is not deployed") % {"process": process_id})
    scope = _instances(stores, "instance__")
    if version is not None:
        scope &= Q(instance__deployment__version=version)
    stats: dict[str, dict[str, Any]] = {}

    def entry(element: str) -> dict[str, Any]:
        return stats.setdefault(element, {"waiting": 0, "done": 0, "average_seconds": None, "incidents": 0})

    items = WorkItem.objects.filter(scope, instance__process_id=process_id)
    for element, n in _grouped(items.filter(status=ItemStatus.OPEN, instance__status=InstanceStatus.RUNNING)):
        entry(element)["waiting"] += n
    spent = ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())
    done = items.filter(status=ItemStatus.DONE, completed_at__isnull=False).values("element_id")
    for element, n, average in done.annotate(n=Count("id"), avg=Avg(spent)).values_list("element_id", "n", "avg"):
        entry(element).update(done=n, average_seconds=round(average.total_seconds()) if average else None)
    running = scope & Q(instance__process_id=process_id, instance__status=InstanceStatus.RUNNING)
    for model in (DueTimer, MessageWait):
        for element, n in _grouped(model.objects.filter(running)):
            entry(element)["waiting"] += n
    incidents = Incident.objects.filter(scope, instance__process_id=process_id, status__in=OPEN_INCIDENTS)
    for element, n in _grouped(incidents):
        entry(element)["incidents"] += n
    return stats


def _grouped(rows: Any) -> list[tuple[str, int]]:
    return list(rows.values("element_id").annotate(n=Count("id")).values_list("element_id", "n"))


INSTANCE_FILTERS = ("waiting", "done", "incidents")


def instances_of(
    process_id: str,
    *,
    stores: Stores = None,
    version: int | None = None,
    element_id: str = "",
    what: str = "",
    status: str = "",
    limit: int = 200,
) -> list[ProcessInstance]:
    """The process's instances in ``stores``, newest first: those waiting at ``element_id``
    (what="waiting"), that went through it (what="done") or have an open incident there
    (what="incidents"); at most ``limit``."""
    rows = ProcessInstance.objects.filter(_instances(stores), process_id=process_id)
    if version is not None:
        rows = rows.filter(deployment__version=version)
    if status:
        rows = rows.filter(status=status)
    if element_id and what == "waiting":
        waiting = Q(work_items__element_id=element_id, work_items__status=ItemStatus.OPEN)
        waiting |= Q(timers__element_id=element_id) | Q(message_waits__element_id=element_id)
        rows = rows.filter(waiting, status=InstanceStatus.RUNNING)
    elif element_id and what == "done":
        rows = rows.filter(work_items__element_id=element_id, work_items__status=ItemStatus.DONE)
    elif element_id and what == "incidents":
        rows = rows.filter(incidents__element_id=element_id, incidents__status__in=OPEN_INCIDENTS)
    elif what == "incidents":
        rows = rows.filter(incidents__status__in=OPEN_INCIDENTS)
    return list(rows.distinct().select_related("deployment").order_by("-started_at", "-id")[:limit])


def instance_waits(instance_ids: list[int]) -> dict[int, list[str]]:
    """instance id -> the element ids it waits at (open tasks, timers, messages)."""
    found: dict[int, list[str]] = {i: [] for i in instance_ids}
    for model, extra in ((WorkItem, {"status": ItemStatus.OPEN}), (DueTimer, {}), (MessageWait, {})):
        for instance_id, element in model.objects.filter(instance_id__in=instance_ids, **extra).values_list(
            "instance_id", "element_id"
        ):
            if element not in found[instance_id]:
                found[instance_id].append(element)
    return found


def instance_diagram(instance_id: int) -> dict[str, Any]:
    """The instance's process and version with the elements it waits at, those it went through
    (finished steps of its state, done tasks, audited steps) and those with an open incident:
    ids only, no data."""
    row = ProcessInstance.objects.select_related("deployment").filter(pk=instance_id).first()
    if row is None:
        raise NotFound(_("instance %(id)s does not exist") % {"id": instance_id})
    waiting = instance_waits([row.pk])[row.pk]
    done = set(WorkItem.objects.filter(instance=row, status=ItemStatus.DONE).values_list("element_id", flat=True))
    done |= set(AuditEvent.objects.filter(instance=row).exclude(element_id="").values_list("element_id", flat=True))
    done |= {
        task.task_spec.bpmn_id
        for task in _workflow(row).get_tasks(state=TaskState.COMPLETED)
        if getattr(task.task_spec, "bpmn_id", None)
    }
    failing = set(Incident.objects.filter(instance=row, status__in=OPEN_INCIDENTS).values_list("element_id", flat=True))
    return {
        "process_id": row.process_id,
        "version": row.deployment.version,
        "store_id": row.store_id,
        "waiting": waiting,
        "done": sorted(done - set(waiting)),
        "incidents": sorted(failing),
    }


def _workflow(row: ProcessInstance) -> Any:
    """The instance's workflow read from its stored state (never the live cache, which commands own)."""
    found = store.bundle(row.deployment_id, row.callees)
    return spiff.state_from_dict(jsontext.loads(row.state), found.spec, found.subprocess_specs)


def element_names(process_id: str, version: int, *, language: str | None = None) -> dict[str, str]:
    """element id -> its name in the reader's language (the id when it has none)."""
    row = _version(process_id, version)
    texts = deployment_texts(row.pk)
    language = active_language(language)
    return {
        element.id: texts.text(element.id, "name", language, element.name or element.id)
        for element in _elements(row).values()
    }


def instance_data(instance_id: int) -> dict[str, Any]:
    """The instance's process data as its open steps see it (for a finished instance: as it ended),
    for the instance page."""
    row = ProcessInstance.objects.filter(pk=instance_id).only("deployment_id", "callees", "state").first()
    if row is None:
        raise NotFound(_("instance %(id)s does not exist") % {"id": instance_id})
    workflow = _workflow(row)
    data: dict[str, Any] = {}
    waiting = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
    if not waiting:
        waiting = workflow.get_tasks(state=TaskState.COMPLETED)[-1:]
        data.update(workflow.data)
    for task in waiting:
        data.update(task.data)
    return {key: value for key, value in data.items() if not key.startswith("_")}


def data_labels(process_id: str, version: int, *, language: str | None = None) -> dict[str, dict[str, Any]]:
    """field name -> {"label", "choices": {value: label}} from the version's forms, in the reader's
    language, so that process data is shown by the titles people filled it in under."""
    row = _version(process_id, version)
    labels: dict[str, dict[str, Any]] = {}
    for schema in row.forms.values():
        localized = localize_form(schema, language) or {}
        for name, prop in (localized.get("properties") or {}).items():
            if not isinstance(prop, dict) or name in labels or not prop.get("title"):
                continue
            choices = dict(prop.get("x-choice-titles") or {})
            for option in prop.get("oneOf") or []:
                if isinstance(option, dict) and "const" in option and option.get("title"):
                    choices.setdefault(str(option["const"]), option["title"])
            labels[name] = {"label": prop["title"], "choices": choices}
    return labels
