"""What the inbox pages read: inbox rows, a work item's page, its history.

Only ``engine.api`` answers who may see or do what; the rest is reading rows
(work items, deployments, audit events, stores) to name things for people.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.http import urlencode
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


PAGE_SIZE = 25  # a page of each list; the next comes by keyset (bench/inbox.py)
DUE_FILTERS = {
    "overdue": pgettext_lazy("inbox due filter", "Overdue"),
    "today": pgettext_lazy("inbox due filter", "Due by the end of today"),
    "week": pgettext_lazy("inbox due filter", "Due by the end of this week"),
    "none": pgettext_lazy("inbox due filter", "No due time"),
}
NO_DUE = "-"  # a keyset cursor's due part for an item without a due time (they come last)


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox list is narrowed to: a process, one of its steps, a subject, a due window; and where
    each list's page starts (the keyset cursor of the last row of the page before)."""

    process: str = ""
    step: str = ""
    subject: str = ""
    due: str = ""
    mine_after: str = ""
    claimable_after: str = ""

    @classmethod
    def from_query(cls, params: Any) -> "InboxFilter":
        def text(name: str, limit: int = 200) -> str:
            return (params.get(name) or "").strip()[:limit]

        due = text("due")
        return cls(
            process=text("process"),
            step=text("step"),
            subject=text("subject", 100),
            due=due if due in DUE_FILTERS else "",
            mine_after=text("mine_after", 80),
            claimable_after=text("claimable_after", 80),
        )

    @property
    def active(self) -> bool:
        return bool(self.process or self.step or self.subject or self.due)

    def query(self, **extra: str) -> str:
        """The filter (without the cursors) as a query string, with ``extra`` parameters (an empty one drops
        that part of the filter)."""
        params = {
            k: v
            for k, v in (("process", self.process), ("step", self.step), ("subject", self.subject), ("due", self.due))
            if v
        }
        params.update(extra)
        return urlencode({k: v for k, v in params.items() if v})


@dataclass(frozen=True)
class ProcessCount:
    process_id: str
    name: str
    count: int


@dataclass(frozen=True)
class InboxPage:
    mine: list[Row]
    claimable: list[Row]
    notices: list[Row]
    sort: str
    sorts: dict[str, Any] = field(default_factory=lambda: SORTS)
    filters: InboxFilter = field(default_factory=InboxFilter)
    mine_total: int = 0
    claimable_total: int = 0
    processes: list[ProcessCount] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    mine_next: str = ""
    claimable_next: str = ""
    due_filters: dict[str, Any] = field(default_factory=lambda: DUE_FILTERS)


def inbox_page(
    user: Any, *, sort: str, highlight: set[int] | None = None, filters: InboxFilter | None = None
) -> InboxPage:
    """The inbox's lists: a page of each (keyset paged: the page after a cursor), the totals, and the counts
    per process that the filter offers. Every query reads the open items' partial indexes."""
    sort = sort if sort in SORTS else "due"
    filters = filters or InboxFilter()
    at = now()
    mine_q, claimable_q = api.inbox_querysets(user)
    narrowed = _narrow(filters, at)
    by_process: dict[str, list[int]] = {}
    for index, rows_q in enumerate((mine_q, claimable_q)):
        for process_id, n in (
            rows_q.filter(_narrow(replace(filters, process="", step=""), at))
            .exclude(kind=ItemKind.NOTICE)
            .order_by()
            .values_list("process_id")
            .annotate(n=Count("id"))
        ):
            by_process.setdefault(process_id, [0, 0])[index] += n
    if filters.process:
        totals = by_process.get("" if filters.process == STANDALONE else filters.process, [0, 0])
        if filters.step:
            totals = [rows_q.filter(narrowed).exclude(kind=ItemKind.NOTICE).count() for rows_q in (mine_q, claimable_q)]
    else:
        totals = [sum(v[0] for v in by_process.values()), sum(v[1] for v in by_process.values())]
    lists = [rows_q.filter(narrowed).exclude(kind=ItemKind.NOTICE) for rows_q in (mine_q, claimable_q)]
    mine_items, mine_next = _page(lists[0], sort, filters.mine_after)
    claimable_items, claimable_next = _page(lists[1], sort, filters.claimable_after)
    username = user.get_username()
    claimable_items = [i for i in claimable_items if username not in (i.excluded or [])]
    # Two arms in one query, each read from its partial index (an OR in one WHERE reads every work item).
    notices = sorted(
        mine_q.filter(kind=ItemKind.NOTICE)
        .union(claimable_q.filter(kind=ItemKind.NOTICE), all=True)
        .order_by("-id")[:PAGE_SIZE],
        key=lambda i: (i.due_at is None, i.due_at or at, i.priority, i.pk),
    )
    everything = api.localize_items([*mine_items, *claimable_items, *notices])
    names = process_names({i.process_id for i in everything if i.process_id} | set(by_process) - {""})
    stores = store_names({i.store_id for i in everything if i.store_id is not None})
    highlight = highlight or set()
    links = subject_links(everything)

    def rows(items: list[WorkItem]) -> list[Row]:
        return [
            Row(
                item=i,
                process=names.get(i.process_id) or str(KIND_LABELS.get(i.kind, i.kind)),
                store=store_label(i, stores),
                overdue=is_overdue(i, at),
                ticket=tickets.issue(user, i.pk),
                highlighted=i.pk in highlight,
                subject_url=links.get(i.pk, ""),
            )
            for i in items
        ]

    processes = sorted(
        (
            ProcessCount(pid or STANDALONE, names.get(pid) or (pid if pid else str(_("Reminders and alerts"))), sum(n))
            for pid, n in by_process.items()
        ),
        key=lambda p: (-p.count, p.name),
    )
    return InboxPage(
        rows(mine_items),
        rows(claimable_items),
        rows(notices),
        sort,
        filters=filters,
        mine_total=totals[0],
        claimable_total=totals[1],
        processes=processes,
        steps=_steps(mine_q, claimable_q, filters.process) if filters.process not in ("", STANDALONE) else [],
        mine_next=mine_next,
        claimable_next=claimable_next,
    )


def _narrow(filters: InboxFilter, at: datetime) -> Q:
    """The filter as a condition on open work items."""
    q = Q()
    if filters.process:
        q &= Q(process_id="" if filters.process == STANDALONE else filters.process)
    if filters.step:
        q &= Q(element_id=filters.step)
    if filters.subject:
        q &= Q(subject_label__icontains=filters.subject) | Q(subject_ref=filters.subject)
    if filters.due == "overdue":
        q &= Q(due_at__lt=at)
    elif filters.due in ("today", "week"):
        local = timezone.localtime(at)
        days = 1 if filters.due == "today" else 7 - local.weekday()
        end = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)
        q &= Q(due_at__lt=end)
    elif filters.due == "none":
        q &= Q(due_at__isnull=True)
    return q


STANDALONE = "-"  # the process filter's value for work from no process (reminders, warnings, alerts)


def _order(sort: str) -> list[Any]:
    if sort == "priority":
        return ["priority", F("due_at").asc(nulls_last=True), "id"]
    return [F("due_at").asc(nulls_last=True), "priority", "id"]


def _cursor(item: WorkItem) -> str:
    due = item.due_at.isoformat() if item.due_at is not None else NO_DUE
    return f"{due}|{item.priority}|{item.pk}"


def _after(sort: str, cursor: str) -> Q | None:
    """The rows after ``cursor`` in ``sort`` order (due times ascending, none last; then priority, id), as
    one condition the database answers from the index instead of skipping rows (keyset paging)."""
    try:
        due_text, priority_text, pk_text = cursor.split("|")
        priority, pk = int(priority_text), int(pk_text)
        due = None if due_text == NO_DUE else datetime.fromisoformat(due_text)
    except ValueError:
        return None
    if sort == "priority":
        same_priority = _after_due(due, pk)
        return Q(priority__gt=priority) | (Q(priority=priority) & same_priority)
    if due is None:
        return Q(due_at__isnull=True) & (Q(priority__gt=priority) | Q(priority=priority, id__gt=pk))
    return (
        Q(due_at__gt=due)
        | Q(due_at__isnull=True)
        | Q(due_at=due, priority__gt=priority)
        | Q(due_at=due, priority=priority, id__gt=pk)
    )


def _after_due(due: datetime | None, pk: int) -> Q:
    """Within one priority: (due ascending, none last, id) after (due, pk)."""
    if due is None:
        return Q(due_at__isnull=True, id__gt=pk)
    return Q(due_at__gt=due) | Q(due_at__isnull=True) | Q(due_at=due, id__gt=pk)


def _page(rows: QuerySet[WorkItem], sort: str, cursor: str) -> tuple[list[WorkItem], str]:
    """One page of ``rows`` after ``cursor``, and the cursor of the next page ("" on the last)."""
    after = _after(sort, cursor) if cursor else None
    if after is not None:
        rows = rows.filter(after)
    # The page's ids come from the list's index alone (it holds the order's columns); only their rows are read.
    ids = rows.order_by(*_order(sort)).values("pk")[: PAGE_SIZE + 1]
    found = list(WorkItem.objects.filter(pk__in=ids).order_by(*_order(sort)))
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    return found, _cursor(found[-1]) if more and found else ""


def _steps(mine_q: QuerySet[WorkItem], claimable_q: QuerySet[WorkItem], process: str) -> list[tuple[str, str]]:
    """The steps of ``process`` that have work in this inbox: (element id, title) for the step filter."""
    found = (
        (mine_q | claimable_q)
        .filter(process_id=process)
        .exclude(element_id="")
        .order_by()
        .values_list("element_id")
        .annotate(title=Min("title"))
    )
    return sorted(((element, title) for element, title in found), key=lambda s: s[1])


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
