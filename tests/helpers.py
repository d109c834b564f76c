"""Helpers the suites share: staff records, deploying test BPMN, and the round-trip check."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model

from engine import api, spiff, store
from engine.models import DueTimer, ItemStatus, MessageWait, ProcessInstance, WorkItem
from engine.snapshot import take_snapshot
from portal.crm.models import Staff, StaffRole, Store

BPMN_DIR = Path(__file__).parent / "engine" / "bpmn"


def make_store(name: str, region: str) -> Store:
    return Store.objects.get_or_create(name=name, defaults={"region": region})[0]


def make_staff(username: str, home: Store | None, roles: list, *, active: bool = True):
    """A user with a staff record; roles are codes, or (code, group_wide) pairs."""
    user = get_user_model().objects.create_user(username=username, password="pw")
    staff = Staff.objects.create(user=user, store=home, active=active)
    for role in roles:
        code, group_wide = role if isinstance(role, tuple) else (role, False)
        StaffRole.objects.create(staff=staff, role=code, group_wide=group_wide)
    return user


def deploy(*names: str, user=None) -> list[api.Deployed]:
    """Deploy test BPMN/DMN/form files from tests/engine/bpmn (or the given paths)."""
    paths = [n if "/" in n else BPMN_DIR / n for n in names]
    return api.deploy_paths(paths, user=user)


def open_items(instance_id: int) -> list[WorkItem]:
    return list(WorkItem.objects.filter(instance_id=instance_id, status=ItemStatus.OPEN).order_by("id"))


def only_item(instance_id: int, element_id: str | None = None) -> WorkItem:
    items = [i for i in open_items(instance_id) if element_id is None or i.element_id == element_id]
    assert len(items) == 1, f"expected one open item {element_id or ''}, found {[i.element_id for i in items]}"
    return items[0]


def assert_round_trip(instance_id: int) -> None:
    """Reload the stored state without any cache: it serializes to exactly what was stored,
    and the mirror tables hold exactly what the state says."""
    row = ProcessInstance.objects.get(pk=instance_id)
    bundle = store.bundle(row.deployment_id, row.callees)
    stored = json.loads(row.state)
    workflow = spiff.state_from_dict(json.loads(row.state), bundle.spec, bundle.subprocess_specs)
    again = json.loads(json.dumps(spiff.state_to_dict(workflow), separators=(",", ":"), default=str))
    assert again == stored
    snap = take_snapshot(workflow)
    open_tasks = set(
        WorkItem.objects.filter(instance_id=instance_id, status=ItemStatus.OPEN).values_list("task_id", flat=True)
    )
    assert open_tasks == set(snap.ready)
    timers = dict(DueTimer.objects.filter(instance_id=instance_id).values_list("task_id", "due_at"))
    assert timers == {t: due for t, (_el, due) in snap.timers.items()}
    waits = set(MessageWait.objects.filter(instance_id=instance_id).values_list("task_id", flat=True))
    assert waits == set(snap.waits)


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    """A small real picture (uploads are decoded and written anew, so they must be pictures)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


def queued(task: str) -> list[list]:
    """Drain the broker's default queue (the filesystem transport, or Redis when REDIS_URL is set); the
    arguments of every message of ``task`` found in it, in order."""
    from portal.celery import app

    found = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                if message.headers.get("task") == task:
                    found.append(message.payload[0])
                message.ack()
        finally:
            queue.close()
    return found
