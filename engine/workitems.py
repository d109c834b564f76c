"""Work items: inboxes, claim, release, assign, and standalone items.

Standalone items are work that comes from no process: a reminder, a pool
warning, an alert, or a notice that is only read and dismissed. They share the
inbox, claim, complete and audit of process work items; a ``key`` makes
creating the same one twice a no-op.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from . import audit, clock, sql
from .errors import Conflict, InvalidData, NotAllowed, NotFound
from .forms import load_form_file, schema_problems
from .models import ItemKind, ItemStatus, WorkItem
from .permissions import Grants, claimable_filter, grants_for, holds, may_do, may_manage, may_see

SORTS: dict[str, list[Any]] = {
    "due": [F("due_at").asc(nulls_last=True), "priority", "id"],
    "priority": ["priority", F("due_at").asc(nulls_last=True), "id"],
}


@dataclass
class Inbox:
    mine: list[WorkItem]
    claimable: list[WorkItem]
    notices: list[WorkItem]


def open_items() -> QuerySet[WorkItem]:
    return WorkItem.objects.filter(status=ItemStatus.OPEN)


def inbox_for(user: Any, *, sort: str = "due", limit: int = 200) -> Inbox:
    """The user's open items: assigned to them, claimable by their roles, and notices."""
    grants = grants_for(user)
    order = SORTS.get(sort, SORTS["due"])
    mine_q = open_items().filter(assignee_id=user.pk)
    claimable_q = open_items().filter(claimable_filter(grants), assignee__isnull=True)
    mine: list[WorkItem] = []
    notices: list[WorkItem] = []
    for item in mine_q.order_by(*order)[:limit]:
        (notices if item.kind == ItemKind.NOTICE else mine).append(item)
    username = user.get_username()
    claimable: list[WorkItem] = []
    for item in claimable_q.order_by(*order)[:limit]:
        if username in (item.excluded or []):
            continue
        (notices if item.kind == ItemKind.NOTICE else claimable).append(item)
    return Inbox(mine, claimable, notices)


def may_work_on(item: WorkItem, user: Any) -> bool:
    """Whether the user may claim or complete the open item now (the portal's buttons ask this)."""
    return item.status == ItemStatus.OPEN and may_do(user, grants_for(user), item)


def item_visible_to(item_id: int, user: Any) -> WorkItem:
    """The item if the user may see it; NotFound otherwise (so ids cannot be probed)."""
    item = WorkItem.objects.filter(pk=item_id).first()
    if item is None or not may_see(user, grants_for(user), item):
        raise NotFound(_("work item %(id)s does not exist") % {"id": item_id})
    return item


def _locked_item(item_id: int) -> WorkItem:
    # select_for_update: on PostgreSQL two claims of one item queue on the row
    # instead of both reading "unassigned"; SQLite already serializes writers.
    item = WorkItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("work item %(id)s does not exist") % {"id": item_id})
    if item.status != ItemStatus.OPEN:
        raise Conflict(_("work item %(id)s is already %(status)s") % {"id": item_id, "status": item.status})
    return item


@transaction.atomic
def claim(item_id: int, *, user: Any) -> WorkItem:
    item = _locked_item(item_id)
    if item.assignee_id == user.pk:
        return item
    if item.assignee is not None:
        raise Conflict(
            _("work item %(id)s is already taken by %(person)s")
            % {"id": item_id, "person": item.assignee.get_username()}
        )
    if not may_do(user, grants_for(user), item):
        raise NotAllowed(
            _("%(person)s may not take work item %(id)s (%(item)s)")
            % {"person": user.get_username(), "id": item_id, "item": item.title}
        )
    item.assignee, item.claimed = user, True
    item.save(update_fields=["assignee", "claimed"])
    audit.record("claimed", instance=item.instance, item=item, actor=user)
    return item


@transaction.atomic
def release(item_id: int, *, user: Any) -> WorkItem:
    item = _locked_item(item_id)
    if item.assignee_id != user.pk:
        raise NotAllowed(
            _("work item %(id)s is not %(person)s's to release") % {"id": item_id, "person": user.get_username()}
        )
    if not item.role:
        raise Conflict(
            _("work item %(id)s was assigned to %(person)s directly; ask a manager to hand it to someone else")
            % {"id": item_id, "person": user.get_username()}
        )
    item.assignee, item.claimed = None, False
    item.save(update_fields=["assignee", "claimed"])
    audit.record("released", instance=item.instance, item=item, actor=user)
    return item


@transaction.atomic
def assign(item_id: int, *, to: Any, user: Any) -> WorkItem:
    """A manager of the item's store (or hq, admin) hands it to someone who may do it."""
    item = _locked_item(item_id)
    if not may_manage(grants_for(user), item):
        raise NotAllowed(
            _("%(person)s may not hand out work item %(id)s") % {"person": user.get_username(), "id": item_id}
        )
    target_grants = grants_for(to)
    if to.get_username() in (item.excluded or []):
        raise NotAllowed(
            _("%(person)s is excluded from work item %(id)s") % {"person": to.get_username(), "id": item_id}
        )
    if item.role and not holds(target_grants, item.role, item.store_id):
        if item.store_id:
            raise NotAllowed(
                _("%(person)s does not hold role %(role)s in store %(store)s")
                % {"person": to.get_username(), "role": item.role, "store": item.store_id}
            )
        raise NotAllowed(
            _("%(person)s does not hold role %(role)s in the group") % {"person": to.get_username(), "role": item.role}
        )
    previous = item.assignee.get_username() if item.assignee is not None else None
    item.assignee, item.claimed = to, False
    item.save(update_fields=["assignee", "claimed"])
    audit.record(
        "assigned", instance=item.instance, item=item, actor=user, data={"from": previous, "to": to.get_username()}
    )
    return item


@transaction.atomic
def hand_over(*, leaver: Any, successors: dict[str, Any], actor: Any = None) -> dict[str, int]:
    """Move a departing person's open work on: an item about a subject in ``successors``
    (``{"customer:12": user}``) goes to that subject's new person when they may do it;
    otherwise an item of a role goes back to that role's queue, and a personal item
    (a reminder, a notice) about nobody's subject any more is withdrawn. Audited per item."""
    moved = {"handed": 0, "released": 0, "withdrawn": 0}
    grants: dict[int, Grants] = {}
    items = WorkItem.objects.select_for_update().filter(status=ItemStatus.OPEN, assignee_id=leaver.pk)
    for item in items.order_by("id"):
        to = successors.get(item.subject_ref) if item.subject_ref else None
        if to is not None and to.pk not in grants:
            grants[to.pk] = grants_for(to)
        if (
            to is not None
            and to.get_username() not in (item.excluded or [])
            and (not item.role or holds(grants[to.pk], item.role, item.store_id))
        ):
            item.assignee_id, item.claimed, action = to.pk, False, "handed"
        elif item.role:
            item.assignee_id, item.claimed, action = None, False, "released"
        else:
            item.status, action = ItemStatus.CANCELLED, "withdrawn"
        item.save(update_fields=["assignee", "claimed", "status"])
        successor = to.get_username() if to is not None and action == "handed" else None
        audit.record(
            "handed_over",
            instance=item.instance,
            item=item,
            actor=actor,
            data={"from": leaver.get_username(), "to": successor, "outcome": action},
        )
        moved[action] += 1
    return moved


def create_item(
    *,
    kind: str,
    title: str,
    key: str | None = None,
    role: str = "",
    store_id: int | None = None,
    assignee: Any = None,
    subject_label: str = "",
    subject_ref: str = "",
    due_at: datetime | None = None,
    priority: int = 3,
    form: str = "",
    instructions: str = "",
    values: dict | None = None,
    texts: dict | None = None,
    actor: Any = None,
) -> tuple[WorkItem, bool]:
    """A standalone work item; returns (item, created). The same ``key`` twice is a no-op."""
    if kind not in ItemKind.values or kind == ItemKind.TASK:
        raise InvalidData(
            {"kind": [_("must be one of %(kinds)s") % {"kinds": ", ".join(k for k in ItemKind.values if k != "task")}]}
        )
    if not role and assignee is None:
        raise InvalidData({"assignee": [_("a standalone item needs an assignee or a role")]})
    if not 1 <= priority <= 5:
        raise InvalidData({"priority": [_("must be between 1 and 5")]})
    if form:
        try:
            problems = schema_problems(load_form_file(form))
        except (OSError, ValueError) as err:
            problems = [str(err)]
        if problems:
            raise InvalidData({"form": problems})
    if key:
        existing = WorkItem.objects.filter(key=key).first()
        if existing is not None:
            return existing, False
    item = WorkItem(
        kind=kind,
        title=title[:300],
        key=key or None,
        role=role,
        store_id=store_id,
        assignee=assignee,
        subject_label=subject_label[:300],
        subject_ref=subject_ref[:100],
        due_at=due_at,
        priority=priority,
        form=form,
        instructions=instructions,
        values=values or {},
        texts=texts or {},
        created_at=clock.now(),
    )
    try:
        with transaction.atomic():
            item.save()
            audit.record("created", item=item, actor=actor, data={"kind": kind, "key": key})
    except IntegrityError:
        # Someone created the same key between our check and our insert.
        return WorkItem.objects.get(key=key), False
    return item, True


def create_items(items: list[dict[str, Any]], *, actor: Any = None) -> int:
    """Many standalone items at once (a sweep's reminders and warnings); returns how many are new.

    Each dict takes create_item's keyword arguments (``assignee_id`` for an assignee) and must
    have a ``key``: an item whose key exists already is skipped, so a sweep run twice, or
    retried after a crash, or run by two workers at once, makes no duplicates. Each new item
    gets its "created" audit row, as create_item's do. Forms are not checked here (no caller
    of a batch gives one).
    """
    if not items:
        return 0
    keys = [spec.get("key") for spec in items]
    if None in keys or len(set(keys)) != len(keys):
        raise InvalidData({"key": [_("every item of a batch needs its own key")]})
    kinds = {spec["kind"] for spec in items}
    if not kinds <= set(ItemKind.values) or ItemKind.TASK in kinds:
        raise InvalidData(
            {"kind": [_("must be one of %(kinds)s") % {"kinds": ", ".join(k for k in ItemKind.values if k != "task")}]}
        )
    if not all(1 <= spec.get("priority", 3) <= 5 for spec in items):
        raise InvalidData({"priority": [_("must be between 1 and 5")]})
    now = clock.now()
    rows = [
        {
            "instance_id": None,
            "task_id": "",
            "element_id": "",
            "kind": spec["kind"],
            "title": spec["title"][:300],
            "process_id": "",
            "role": spec.get("role", ""),
            "store_id": spec.get("store_id"),
            "assignee_id": spec.get("assignee_id"),
            "claimed": False,
            "excluded": [],
            "form": spec.get("form", ""),
            "instructions": spec.get("instructions", ""),
            "values": spec.get("values") or {},
            "texts": spec.get("texts") or {},
            "subject_label": spec.get("subject_label", "")[:300],
            "subject_ref": spec.get("subject_ref", "")[:100],
            "due_at": spec.get("due_at"),
            "priority": spec.get("priority", 3),
            "status": ItemStatus.OPEN,
            "created_at": now,
            "key": spec["key"],
        }
        for spec in items
    ]
    with transaction.atomic():
        made = sql.insert_keyed_items(rows, actor_id=getattr(actor, "pk", None), at=now)
    return len(made)


def withdraw_items(*, subject_refs: list[str], kind: str, actor: Any = None) -> int:
    """Cancel the open standalone items of one kind about these subjects (e.g. the warnings
    about prospects that have just been reclaimed); returns how many."""
    withdrawn = 0
    for start in range(0, len(subject_refs), 500):
        withdrawn += WorkItem.objects.filter(
            subject_ref__in=subject_refs[start : start + 500],
            subject_ref__gt="",
            kind=kind,
            status=ItemStatus.OPEN,
            instance__isnull=True,
        ).update(status=ItemStatus.CANCELLED)
    if withdrawn:
        audit.record("withdrawn", actor=actor, data={"kind": kind, "count": withdrawn})
    return withdrawn


def set_priority(*, subject_ref: str, priority: int) -> int:
    """Give every open item about a subject (e.g. ``customer:12``) this priority; returns how many changed."""
    if not 1 <= priority <= 5:
        raise InvalidData({"priority": [_("must be between 1 and 5")]})
    if not subject_ref:
        return 0
    return (
        WorkItem.objects.filter(subject_ref=subject_ref, subject_ref__gt="", status=ItemStatus.OPEN)
        .exclude(priority=priority)
        .update(priority=priority)
    )


def standalone_schema(item: WorkItem) -> dict | None:
    return load_form_file(item.form) if item.form else None


@transaction.atomic
def dismiss(item_id: int, *, user: Any) -> WorkItem:
    """Mark a notice read."""
    item = _locked_item(item_id)
    if item.kind != ItemKind.NOTICE:
        raise Conflict(_("work item %(id)s is not a notice; complete it instead") % {"id": item_id})
    if not may_do(user, grants_for(user), item):
        raise NotAllowed(
            _("%(person)s may not dismiss work item %(id)s") % {"person": user.get_username(), "id": item_id}
        )
    item.status, item.completed_at, item.completed_by = ItemStatus.DONE, clock.now(), user
    item.save(update_fields=["status", "completed_at", "completed_by"])
    audit.record("dismissed", item=item, actor=user)
    return item


def counts_for(user: Any, grants: Grants | None = None) -> dict[str, int]:
    grants = grants if grants is not None else grants_for(user)
    return {
        "mine": open_items().filter(assignee_id=user.pk).exclude(kind=ItemKind.NOTICE).count(),
        "claimable": open_items()
        .filter(claimable_filter(grants), assignee__isnull=True)
        .exclude(kind=ItemKind.NOTICE)
        .count(),
        # reports (the inbox at scale): one count over two arms, each read from its partial index; an OR of the
        # two in one WHERE scanned every work item (0.7 s at 1,100,000 items, bench/inbox.py)
        "notices": open_items()
        .filter(assignee_id=user.pk, kind=ItemKind.NOTICE)
        .union(open_items().filter(claimable_filter(grants), assignee__isnull=True, kind=ItemKind.NOTICE), all=True)
        .count(),
    }
