"""What the inbox pages read: inbox rows, a work item's page, its history.

Only ``engine.api`` answers who may see or do what; the rest is reading rows
(work items, deployments, audit events, stores) to name things for people.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from engine import api
from engine.api import AuditEvent, ItemKind, ItemStatus, WorkItem
from portal.crm.models import Store, Vehicle
from portal.ui.people import display_name

from . import tickets
from .costs import hidden_values
from .markup import render_markdown
from .subjects import Subject, subject_links, subject_of
from .taskforms import TaskForm, UnsupportedForm
from .values import field_titles, form_labels, instructions_shown, value_shown

SORTS = {"due": pgettext_lazy("inbox sort", "Due time"), "priority": pgettext_lazy("inbox sort", "Priority")}
KIND_LABELS: dict[str, Any] = {
    ItemKind.REMINDER: pgettext_lazy("work item kind", "Reminder"),
    ItemKind.WARNING: pgettext_lazy("work item kind", "Warning"),
    ItemKind.ALERT: pgettext_lazy("work item kind", "Alert"),
    ItemKind.NOTICE: pgettext_lazy("work item kind", "Notice"),
    ItemKind.TASK: pgettext_lazy("work item kind", "Task"),
}
# What someone did, shown after their name in an item's history ("Li Wei · claimed").
ACTION_LABELS = {
    "started": pgettext_lazy("history action", "started the process"),
    "claimed": pgettext_lazy("history action", "claimed"),
    "released": pgettext_lazy("history action", "released"),
    "assigned": pgettext_lazy("history action", "handed over"),
    "completed": pgettext_lazy("history action", "completed"),
    "dismissed": pgettext_lazy("history action", "dismissed"),
    "created": pgettext_lazy("history action", "created"),
    "timer_fired": pgettext_lazy("history action", "timer fired"),
    "message": pgettext_lazy("history action", "message received"),
    "incident": pgettext_lazy("history action", "automatic step failed"),
    "retried": pgettext_lazy("history action", "retried"),
    "cancelled": pgettext_lazy("history action", "cancelled"),
    "handed_over": pgettext_lazy("history action", "passed on when its person left"),
}
SYSTEM = gettext_lazy("the system")


def now() -> datetime:
    """The engine's clock, so overdue marks agree with the timers."""
    return api.now()


@dataclass(frozen=True)
class Row:
    """One work item as an inbox line."""

    item: WorkItem
    process: str
    store: str
    overdue: bool
    ticket: str
    highlighted: bool = False
    subject_url: str = ""

    @property
    def releasable(self) -> bool:
        """Claimed from a role's queue, so it can go back there (a direct assignment cannot)."""
        return self.item.claimed and bool(self.item.role)


@dataclass(frozen=True)
class InboxPage:
    mine: list[Row]
    claimable: list[Row]
    notices: list[Row]
    sort: str
    sorts: dict[str, Any] = field(default_factory=lambda: SORTS)


def inbox_page(user: Any, *, sort: str, highlight: set[int] | None = None) -> InboxPage:
    sort = sort if sort in SORTS else "due"
    inbox = api.inbox_for(user, sort=sort)
    everything = api.localize_items([*inbox.mine, *inbox.claimable, *inbox.notices])
    processes = process_names({i.process_id for i in everything if i.process_id})
    stores = store_names({i.store_id for i in everything if i.store_id is not None})
    at = now()
    highlight = highlight or set()
    links = subject_links(everything)

    def rows(items: list[WorkItem]) -> list[Row]:
        return [
            Row(
                item=i,
                process=processes.get(i.process_id) or str(KIND_LABELS.get(i.kind, i.kind)),
                store=store_label(i, stores),
                overdue=is_overdue(i, at),
                ticket=tickets.issue(user, i.pk),
                highlighted=i.pk in highlight,
                subject_url=links.get(i.pk, ""),
            )
            for i in items
        ]

    return InboxPage(rows(inbox.mine), rows(inbox.claimable), rows(inbox.notices), sort)


def is_overdue(item: WorkItem, at: datetime) -> bool:
    return item.status == ItemStatus.OPEN and item.due_at is not None and item.due_at < at


def process_names(process_ids: set[str]) -> dict[str, str]:
    """process id -> the name its newest deployment gives it, in the reader's language."""
    return api.process_names(process_ids)


def store_names(store_ids: set[int]) -> dict[int, str]:
    return dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "name"))


def store_label(item: WorkItem, names: dict[int, str]) -> str:
    """The item's store; role work with no store is the whole group's (hq), a personal item has none."""
    if item.store_id is not None:
        return names.get(item.store_id) or _("Store %(id)s") % {"id": item.store_id}
    return _("Group-wide") if item.role else ""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime | None
    actor: str
    action: str
    step: str
    details: list[tuple[Any, str]]


@dataclass
class ItemPage:
    item: WorkItem
    process: str
    store: str
    overdue: bool
    assignee: str
    instructions: SafeString
    form: TaskForm | None
    form_problem: str
    history: list[HistoryEntry]
    may_work: bool
    may_claim: bool
    may_release: bool
    ticket: str
    subject: Subject

    @property
    def is_notice(self) -> bool:
        return self.item.kind == ItemKind.NOTICE

    @property
    def is_open(self) -> bool:
        return self.item.status == ItemStatus.OPEN

    @property
    def look_only(self) -> bool:
        """Open, shown to someone who may see it (a manager) but neither do nor take it."""
        return self.is_open and not self.may_work and not self.may_claim and not self.form_problem

    @property
    def has_actions(self) -> bool:
        return self.is_open and (
            self.may_claim or self.may_release or self.look_only or (self.is_notice and self.may_work)
        )


def item_page(item: WorkItem, user: Any, *, form: TaskForm | None = None) -> ItemPage:
    """Everything the work-item page shows; ``form`` is passed back in to show a failed post.
    Title, instructions and form are in the reader's language."""
    api.localize_item(item)
    problem = ""
    if form is None:
        try:
            form = blank_form(item)
        except UnsupportedForm as err:
            form = None
            problem = _("This form cannot be shown: %(reason)s. Ask an administrator to fix the form file.") % {
                "reason": err
            }
    hidden = hidden_values(item, user)  # the dealer's cost, for who may not see it (portal.inbox.costs)
    if form is not None and hidden:
        form.fields = [f for f in form.fields if not (f.widget == "readonly" and f.path in hidden)]
    _write_read_only(item, form)
    mine = item.assignee_id == user.pk
    claimable = item.assignee_id is None and item.status == ItemStatus.OPEN and claimable_by(item, user)
    return ItemPage(
        item=item,
        process=process_names({item.process_id}).get(item.process_id, "") or str(KIND_LABELS.get(item.kind, "")),
        store=store_label(item, store_names({item.store_id} if item.store_id is not None else set())),
        overdue=is_overdue(item, now()),
        assignee=person_name(item.assignee_id),
        instructions=render_markdown(instructions_shown(item, hidden)),
        form=form,
        form_problem=problem,
        history=history(item, hidden),
        may_work=item.status == ItemStatus.OPEN and (mine or claimable) and not problem,
        may_claim=claimable and item.kind != ItemKind.NOTICE,
        may_release=mine and item.claimed and bool(item.role) and item.status == ItemStatus.OPEN,
        ticket=tickets.issue(user, item.pk),
        subject=subject_of(item, user),
    )


def _write_read_only(item: WorkItem, form: TaskForm | None) -> None:
    """Write the values the form shows but does not take as people read them: a choice by the label any of
    the process's forms gives it, an amount as money, a date in the reader's language."""
    fields = [f for f in (form.read_only if form is not None else []) if not f.options and f.initial not in (None, "")]
    if not fields:
        return
    deployment = (item.texts or {}).get("deployment")
    labels = form_labels(deployment, (get_language() or "en").lower()) if deployment else {}
    for f in fields:
        f.shown_as = value_shown(f.name, f.initial, labels)


def blank_form(item: WorkItem) -> TaskForm:
    """The item's form with the process's current values; raises UnsupportedForm."""
    schema = api.form_for(item)
    choices = api.field_choices(item, schema) if schema else {}
    return TaskForm(schema, values=item.values, choices=choices)


def claimable_by(item: WorkItem, user: Any) -> bool:
    """Whether the user's roles let them take this unassigned item (the engine decides)."""
    return api.may_work_on(item, user)


def person_name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    person = get_user_model().objects.filter(pk=user_id).first()
    return display_name(person) if person else ""


def people_names(usernames: set[str]) -> dict[str, str]:
    """username -> the name people know them by (the username when no name is recorded)."""
    found = get_user_model().objects.filter(username__in=usernames)
    return {u.get_username(): display_name(u) for u in found}


def history(item: WorkItem, hidden: frozenset[str] = frozenset()) -> list[HistoryEntry]:
    """What happened so far: the instance's audit trail, or the item's own for standalone work."""
    if item.instance_id is not None:
        events = api.instance_detail(item.instance_id)["audit"]
    else:
        events = [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "element_id": e.element_id,
                "actor": e.actor.get_username() if e.actor else None,
                "data": e.data,
            }
            for e in AuditEvent.objects.filter(instance__isnull=True, work_item=item)
            .select_related("actor")
            .order_by("at", "id")
        ]
    steps = (
        {
            step.element_id: step.title
            for step in api.localize_items(
                list(WorkItem.objects.filter(instance_id=item.instance_id).only("element_id", "title", "texts"))
            )
        }
        if item.instance_id is not None
        else {}
    )
    names = people_names({e["actor"] for e in events if e.get("actor")})
    deployment = (item.texts or {}).get("deployment")
    language = (get_language() or "en").lower()
    labels = form_labels(deployment, language) if deployment else {}
    titles = field_titles(deployment, language) if deployment else {}
    cars = _car_names(events)
    return [
        HistoryEntry(
            at=_parse(e.get("at")),
            actor=names.get(e.get("actor"), e.get("actor")) or str(SYSTEM),
            action=str(ACTION_LABELS.get(e.get("action", ""), e.get("action", ""))),
            step=steps.get(e.get("element_id") or "") or _element_name(deployment, e.get("element_id") or "", language),
            details=_details(e, labels, titles, cars, hidden),
        )
        for e in events
    ]


def _element_name(deployment: int | None, element_id: str, language: str) -> str:
    """An element that is no user task (a timer, an event) by the name its file draws, in ``language``; nothing
    when it has no name, never its id (WaitForVisit)."""
    if not deployment or not element_id:
        return ""
    texts = api.deployment_texts(deployment)
    return texts.text(element_id, "name", language, texts.drawn.get(element_id, {}).get("name", ""))


def _car_names(events: list[dict]) -> dict[int, str]:
    """The cars the steps' answers name by id (``vehicle_id``), by the name people use: one query, and none
    when no step named a car."""
    ids = {
        e["data"]["data"]["vehicle_id"]
        for e in events
        if isinstance((e.get("data") or {}).get("data"), dict) and isinstance(e["data"]["data"].get("vehicle_id"), int)
    }
    if not ids:
        return {}
    return {
        car.pk: f"{car.name} {car.year}" for car in Vehicle.objects.filter(pk__in=ids).only("brand", "model", "year")
    }


def _details(
    event: dict,
    labels: dict[str, dict[str, str]],
    titles: dict[str, str],
    cars: dict[int, str],
    hidden: frozenset[str] = frozenset(),
) -> list[tuple[Any, str]]:
    """A step's answers as people read them: each field by its form's title, a choice by its label, an amount
    as money, a car by its name, never the stored code or id; the answers named in ``hidden`` are left out."""
    data = event.get("data") or {}
    if event.get("action") == "completed" and isinstance(data.get("data"), dict):
        return [
            (
                titles.get(k) or k.replace("_", " ").capitalize(),
                cars.get(v, str(v))
                if k == "vehicle_id" and isinstance(v, int)
                else _short(v if isinstance(v, list) else value_shown(k, v, labels)),
            )
            for k, v in data["data"].items()
            if k not in hidden
        ]
    if event.get("action") == "assigned":
        return [(pgettext_lazy("history detail", "To"), str(data.get("to") or ""))]
    if event.get("action") == "incident":
        return [(pgettext_lazy("history detail", "Error"), _short(data.get("error")))]
    return []


def _short(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
