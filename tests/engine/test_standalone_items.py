"""Work that comes from no process: the same inbox, claim, complete and audit as process
work; notices are read and dismissed; the same key twice is a no-op."""

from datetime import UTC, datetime

import pytest

from engine import api, clock
from engine.errors import Conflict, InvalidData, NotAllowed
from engine.models import AuditEvent, ItemStatus, WorkItem

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def reminder(stores):
    clock.freeze(NOW)
    item, _ = api.create_item(
        kind="reminder",
        title="Call back Li Wei",
        key="reminder:cust-7:2026-11-02",
        role="sales",
        store_id=stores[0].pk,
        subject_label="Li Wei",
        subject_ref="customer:7",
        due_at=datetime(2026, 11, 2, 17, 0, tzinfo=UTC),
        priority=2,
    )
    return item


def _actions(item) -> list[tuple[str, str | None]]:
    return [
        (e.action, e.actor.username if e.actor else None)
        for e in AuditEvent.objects.filter(work_item=item).select_related("actor").order_by("id")
    ]


def test_a_role_item_waits_in_the_queue_of_that_role_and_store(reminder, people):
    assert [i.pk for i in api.inbox_for(people["sales"]).claimable] == [reminder.pk]
    assert api.inbox_for(people["other_sales"]).claimable == []
    assert api.inbox_for(people["manager"]).claimable == []
    shown = api.item_as_dict(reminder)
    assert (shown["kind"], shown["instance_id"], shown["subject"]) == (
        "reminder",
        None,
        {"label": "Li Wei", "ref": "customer:7"},
    )


def test_a_standalone_item_is_claimed_and_completed_like_process_work(reminder, people):
    api.claim(reminder.pk, user=people["sales"])
    api.complete(reminder.pk, user=people["sales"])
    done = WorkItem.objects.get(pk=reminder.pk)
    assert (done.status, done.completed_by_id, done.completed_at) == (ItemStatus.DONE, people["sales"].pk, NOW)
    assert api.inbox_for(people["sales"]).mine == []
    assert _actions(reminder) == [("created", None), ("claimed", "sales"), ("completed", "sales")]


def test_the_same_key_twice_is_a_no_op(reminder, stores):
    again, created = api.create_item(
        kind="reminder",
        title="Call back Li Wei (again)",
        key="reminder:cust-7:2026-11-02",
        role="sales",
        store_id=stores[0].pk,
    )
    assert (again.pk, again.title, created) == (reminder.pk, "Call back Li Wei", False)
    assert WorkItem.objects.count() == 1
    assert _actions(reminder) == [("created", None)]


def test_a_notice_shows_as_a_notice_and_is_dismissed(people):
    notice, _ = api.create_item(kind="notice", title="Your pool lead was reclaimed", assignee=people["sales"])
    assert [i.pk for i in api.inbox_for(people["sales"]).notices] == [notice.pk]
    assert api.counts_for(people["sales"]) == {"mine": 0, "claimable": 0, "notices": 1}
    api.dismiss(notice.pk, user=people["sales"])
    assert api.inbox_for(people["sales"]).notices == []
    assert _actions(notice) == [("created", None), ("dismissed", "sales")]


def test_a_notice_for_a_role_reaches_everyone_holding_it(stores, people):
    notice, _ = api.create_item(kind="notice", title="Stock count on Friday", role="sales", store_id=stores[0].pk)
    assert [i.pk for i in api.inbox_for(people["sales2"]).notices] == [notice.pk]
    assert api.inbox_for(people["other_sales"]).notices == []


def test_only_a_notice_can_be_dismissed(reminder, people):
    with pytest.raises(Conflict, match="not a notice"):
        api.dismiss(reminder.pk, user=people["sales"])
    assert WorkItem.objects.get(pk=reminder.pk).status == ItemStatus.OPEN


def test_someone_else_may_not_dismiss_a_notice(people):
    notice, _ = api.create_item(kind="notice", title="Your pool lead was reclaimed", assignee=people["sales"])
    with pytest.raises(NotAllowed):
        api.dismiss(notice.pk, user=people["sales2"])
    assert WorkItem.objects.get(pk=notice.pk).status == ItemStatus.OPEN


def test_a_standalone_item_with_a_form_validates_what_is_submitted(people):
    item, _ = api.create_item(
        kind="warning", title="Prospect waited 24 hours", assignee=people["manager"], form="chase_salesperson.json"
    )
    assert api.form_for(item)["required"] == ["action"]
    with pytest.raises(InvalidData) as refused:
        api.complete(item.pk, user=people["manager"], data={"action": "shouted"})
    assert list(refused.value.errors) == ["action"]
    api.complete(item.pk, user=people["manager"], data={"action": "reminded"})
    assert WorkItem.objects.get(pk=item.pk).result == {"action": "reminded"}


def test_an_item_without_a_form_refuses_data(reminder, people):
    with pytest.raises(InvalidData):
        api.complete(reminder.pk, user=people["sales"], data={"note": "called"})
    assert WorkItem.objects.get(pk=reminder.pk).status == ItemStatus.OPEN


def test_a_directly_assigned_item_cannot_be_released(people):
    item, _ = api.create_item(kind="alert", title="Transfer overdue", assignee=people["hq"])
    with pytest.raises(Conflict, match="assigned to hq directly"):
        api.release(item.pk, user=people["hq"])
    assert WorkItem.objects.get(pk=item.pk).assignee_id == people["hq"].pk


def test_a_salesperson_of_another_store_may_not_complete_it(reminder, people):
    with pytest.raises(NotAllowed):
        api.complete(reminder.pk, user=people["other_sales"])
    assert WorkItem.objects.get(pk=reminder.pk).status == ItemStatus.OPEN


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "task"}, "kind"),
        ({"kind": "memo"}, "kind"),
        ({"role": ""}, "assignee"),
        ({"priority": 9}, "priority"),
        ({"form": "no_such_form.json"}, "form"),
    ],
)
def test_an_invalid_item_is_refused_and_nothing_is_created(stores, fields, field):
    values = {"kind": "reminder", "title": "Call back", "role": "sales", "store_id": stores[0].pk, **fields}
    with pytest.raises(InvalidData) as refused:
        api.create_item(**values)
    assert list(refused.value.errors) == [field]
    assert not WorkItem.objects.exists()


def test_the_inbox_sorts_by_due_time_or_priority(stores, people):
    def make(title: str, due_hour: int, priority: int) -> int:
        due = datetime(2026, 11, 3, due_hour, 0, tzinfo=UTC)
        return api.create_item(
            kind="reminder", title=title, role="sales", store_id=stores[0].pk, due_at=due, priority=priority
        )[0].pk

    late_urgent, early_routine = make("late but urgent", 17, 1), make("early, routine", 9, 4)
    assert [i.pk for i in api.inbox_for(people["sales"]).claimable] == [early_routine, late_urgent]
    assert [i.pk for i in api.inbox_for(people["sales"], sort="priority").claimable] == [late_urgent, early_routine]


def _warning(key: str, **fields):
    return {"kind": "warning", "key": key, "title": f"Contact {key}", "priority": 2, **fields}


def test_a_batch_makes_each_item_once_with_its_audit_row(stores, people):
    clock.freeze(NOW)
    made = api.create_items(
        [
            _warning("w:1", assignee_id=people["sales"].pk, store_id=stores[0].pk, subject_ref="customer:1"),
            _warning("w:2", role="sales", store_id=stores[0].pk, texts={"title": {"msgid": "Contact %(who)s"}}),
        ]
    )
    again = api.create_items([_warning("w:2", role="sales"), _warning("w:3", assignee_id=people["sales"].pk)])
    assert (made, again) == (2, 1)
    items = {i.key: i for i in WorkItem.objects.all()}
    assert sorted(items) == ["w:1", "w:2", "w:3"]
    first = items["w:1"]
    assert (first.kind, first.status, first.priority, first.assignee_id, first.subject_ref, first.created_at) == (
        "warning",
        ItemStatus.OPEN,
        2,
        people["sales"].pk,
        "customer:1",
        NOW,
    )
    assert items["w:2"].texts == {"title": {"msgid": "Contact %(who)s"}}
    assert [i.pk for i in api.inbox_for(people["sales"]).mine] == [items["w:1"].pk, items["w:3"].pk]
    assert [i.pk for i in api.inbox_for(people["sales"]).claimable] == [items["w:2"].pk]
    audited = AuditEvent.objects.filter(action="created").order_by("id")
    assert [(e.work_item_id, e.data) for e in audited] == [
        (items[key].pk, {"kind": "warning", "key": key}) for key in ("w:1", "w:2", "w:3")
    ]


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([_warning("w:1"), _warning("w:1")], "key"),
        ([{**_warning("w:1"), "key": None}], "key"),
        ([_warning("w:1", kind="task")], "kind"),
        ([_warning("w:1", priority=0)], "priority"),
    ],
)
def test_an_invalid_batch_is_refused_and_nothing_is_created(db, items, field):
    with pytest.raises(InvalidData) as refused:
        api.create_items(items)
    assert list(refused.value.errors) == [field]
    assert not WorkItem.objects.exists()
