"""Loading and saving instance state, with the caches that keep a step cheap.

Specs are restored once per deployment (and set of callee versions) and shared
by every instance of it. Live workflows are kept in a per-process LRU cache,
keyed by instance and checked against the row's uid and version before use; a
live workflow is taken out of the cache while one command uses it and put back
only after that command's transaction commits, so no two requests share one
and a rolled-back change is never seen again.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from . import jsontext, spiff
from .conf import setting
from .errors import Conflict, NotDeployed, NotFound
from .models import Deployment, ProcessInstance
from .snapshot import Snapshot, take_snapshot
from .vocabulary import TaskSettings, task_settings


@dataclass
class Bundle:
    """Everything an instance of one deployment needs that does not change."""

    deployment_id: int
    process_id: str
    forms: dict[str, Any]
    spec: Any
    subprocess_specs: dict[str, Any]
    _settings: dict[int, TaskSettings] = field(default_factory=dict)

    def settings_for(self, task_spec: Any) -> TaskSettings:
        # Keyed by identity: the bundle holds its task specs for as long as it lives.
        found = self._settings.get(id(task_spec))
        if found is None:
            found = self._settings[id(task_spec)] = task_settings(task_spec)
        return found


_bundles: dict[tuple, Bundle] = {}
_bundles_lock = threading.Lock()


def bundle(deployment_id: int, callees: dict[str, int]) -> Bundle:
    key = (deployment_id, tuple(sorted(callees.items())))
    found = _bundles.get(key)
    if found is not None:
        return found
    rows = {d.pk: d for d in Deployment.objects.filter(pk__in=[deployment_id, *callees.values()])}
    if deployment_id not in rows:
        raise NotFound(_("deployment %(id)s does not exist") % {"id": deployment_id})
    main = rows[deployment_id]
    subprocess_specs = {k: spiff.spec_from_dict(v) for k, v in main.spec["subprocesses"].items()}
    for callee_id, callee_deployment in callees.items():
        callee = rows[callee_deployment]
        subprocess_specs[callee_id] = spiff.spec_from_dict(callee.spec["process"])
        for k, v in callee.spec["subprocesses"].items():
            subprocess_specs.setdefault(k, spiff.spec_from_dict(v))
    forms = dict(main.forms)
    for callee_deployment in callees.values():
        for name, schema in rows[callee_deployment].forms.items():
            forms.setdefault(name, schema)
    made = Bundle(deployment_id, main.process_id, forms, spiff.spec_from_dict(main.spec["process"]), subprocess_specs)
    with _bundles_lock:
        return _bundles.setdefault(key, made)


def resolve_callees(caller: str, called: list[str]) -> dict[str, int]:
    """The live version of every process ``caller`` calls, directly or not: fixed at start."""
    found: dict[str, int] = {}
    pending = list(called)
    while pending:
        process_id = pending.pop()
        if process_id in found:
            continue
        callee = Deployment.objects.filter(process_id=process_id).order_by("-version").first()
        if callee is None:
            raise NotDeployed(
                process_id,
                _("process %(process)s, called by %(caller)s, is not deployed")
                % {"process": repr(process_id), "caller": repr(caller)},
            )
        found[process_id] = callee.pk
        pending.extend(callee.called_processes)
    return found


@dataclass
class Live:
    """A workflow checked out for one command, with what its mirror rows say now."""

    instance_id: int
    uid: Any
    version: int
    bundle: Bundle
    workflow: Any
    before: Snapshot
    row: ProcessInstance
    encoder: spiff.StateEncoder = field(default_factory=spiff.StateEncoder)
    # Work items this process opened for the instance, by id: their rows as written. What a
    # complete of one of them checks is here, and its write proves it still holds (runtime.complete).
    items: dict[int, dict[str, Any]] = field(default_factory=dict)


class LiveCache:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[int, Live] = OrderedDict()
        self._by_item: dict[int, int] = {}  # item id -> instance id, for the entries' items
        self._lock = threading.Lock()

    def take(self, instance_id: int) -> Live | None:
        with self._lock:
            return self._pop(instance_id)

    def take_by_item(self, item_id: int) -> Live | None:
        """The live workflow whose instance this process opened ``item_id`` for, if it is cached."""
        with self._lock:
            instance_id = self._by_item.get(item_id)
            return None if instance_id is None else self._pop(instance_id)

    def _pop(self, instance_id: int) -> Live | None:
        live = self._entries.pop(instance_id, None)
        if live is not None:
            for item_id in live.items:
                self._by_item.pop(item_id, None)
        return live

    def put(self, live: Live) -> None:
        with self._lock:
            self._pop(live.instance_id)
            self._entries[live.instance_id] = live
            self._by_item.update(dict.fromkeys(live.items, live.instance_id))
            while len(self._entries) > self.size:
                self._pop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_item.clear()


LIVE = LiveCache(int(setting("LIVE_CACHE_SIZE", 512)))

INSTANCE_HEAD = [
    "id",
    "uid",
    "version",
    "deployment_id",
    "callees",
    "status",
    "process_id",
    "business_key",
    "store_id",
    "started_at",
    "started_by_id",
]


def checkout(row: ProcessInstance) -> Live:
    """The live workflow of ``row`` (loaded with at least INSTANCE_HEAD), from cache or storage."""
    cached = LIVE.take(row.pk)
    if cached is not None and cached.uid == row.uid and cached.version == row.version:
        cached.row = row
        return cached
    state = ProcessInstance.objects.filter(pk=row.pk, version=row.version).values_list("state", flat=True).first()
    if state is None:
        raise Conflict(_("instance %(id)s changed while it was being read; try again") % {"id": row.pk})
    found = bundle(row.deployment_id, row.callees)
    workflow = spiff.state_from_dict(jsontext.loads(state), found.spec, found.subprocess_specs)
    return Live(row.pk, row.uid, row.version, found, workflow, take_snapshot(workflow, found), row)


def load_head(instance_id: int) -> ProcessInstance:
    row = ProcessInstance.objects.only(*INSTANCE_HEAD).filter(pk=instance_id).first()
    if row is None:
        raise NotFound(_("instance %(id)s does not exist") % {"id": instance_id})
    return row
