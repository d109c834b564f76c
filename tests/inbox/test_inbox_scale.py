"""The inbox list at scale: filters by process, step, subject and due time, counts per process, keyset paging."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from engine.models import ItemStatus, WorkItem
from portal.inbox import selectors
from portal.inbox.selectors import PAGE_SIZE, InboxFilter

pytestmark = pytest.mark.django_db


def _item(store, n, **kw):
    now = timezone.now()
    fields = {
        "title": f"Step {n}",
        "role": "sales",
        "store_id": store.pk,
        "process_id": "follow_up",
        "element_id": "call",
        "due_at": now + timedelta(hours=n + 1),
        "created_at": now,
        "subject_label": f"Customer {n}",
        "subject_ref": f"customer:{n}",
    }
    fields.update(kw)
    return WorkItem.objects.create(**fields)


@pytest.fixture
def queue(people, stores):
    """130 claimable items in 上海浦东店's sales queue: 120 calls, 5 overdue visits, 5 without a due time;
    and 3 items in 杭州西湖店 that the salesperson of 上海浦东店 never sees."""
    pudong, westlake = stores
    for n in range(120):
        _item(pudong, n)
    for n in range(5):
        _item(pudong, 200 + n, process_id="lead_to_cash", element_id="visit", due_at=timezone.now() - timedelta(days=1))
    for n in range(5):
        _item(pudong, 300 + n, due_at=None, priority=1, subject_label="李伟")
    for n in range(3):
        _item(westlake, 400 + n)
    WorkItem.objects.create(
        title="done",
        role="sales",
        store_id=pudong.pk,
        process_id="follow_up",
        status=ItemStatus.DONE,
        created_at=timezone.now(),
    )
    return pudong


def test_counts_per_process_and_totals(people, queue):
    page = selectors.inbox_page(people["sales"], sort="due")
    assert {p.process_id: p.count for p in page.processes} == {"follow_up": 125, "lead_to_cash": 5}
    assert page.claimable_total == 130 and len(page.claimable) == PAGE_SIZE


def test_keyset_pages_walk_every_item_once_in_order(people, queue):
    for sort in ("due", "priority"):
        seen, after = [], ""
        while True:
            page = selectors.inbox_page(people["sales"], sort=sort, filters=InboxFilter(claimable_after=after))
            seen += [r.item.pk for r in page.claimable]
            after = page.claimable_next
            if not after:
                break
        order = selectors._order(sort)
        expected = list(
            WorkItem.objects.filter(status="open", store_id=queue.pk).order_by(*order).values_list("id", flat=True)
        )
        assert seen == expected, sort


def test_filters_by_process_step_subject_and_due(people, queue):
    sales = people["sales"]
    visits = selectors.inbox_page(sales, sort="due", filters=InboxFilter(process="lead_to_cash"))
    assert visits.claimable_total == 5 and {r.item.element_id for r in visits.claimable} == {"visit"}
    assert visits.steps == [("visit", "Step 200")]
    step = selectors.inbox_page(sales, sort="due", filters=InboxFilter(process="follow_up", step="call"))
    assert step.claimable_total == 125
    overdue = selectors.inbox_page(sales, sort="due", filters=InboxFilter(due="overdue"))
    assert overdue.claimable_total == 5 and all(r.overdue for r in overdue.claimable)
    none = selectors.inbox_page(sales, sort="due", filters=InboxFilter(due="none"))
    assert none.claimable_total == 5
    subject = selectors.inbox_page(sales, sort="due", filters=InboxFilter(subject="李伟"))
    assert subject.claimable_total == 5
    today = selectors.inbox_page(sales, sort="due", filters=InboxFilter(due="today"))
    assert 5 <= today.claimable_total <= 5 + 24


def test_the_inbox_page_filters_and_pages_from_its_query(people, queue):
    client = Client()
    client.force_login(people["sales"])
    page = client.get("/", {"process": "lead_to_cash"}).content.decode()
    assert page.count('id="item-') == 5
    first = client.get("/").content.decode()
    assert "Next page" in first and "claimable_after=" in first
    bad = client.get("/", {"claimable_after": "nonsense|x|y", "due": "someday", "process": "x" * 500})
    assert bad.status_code == 200
