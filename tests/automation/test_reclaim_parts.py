"""The reclaim sweep split into parts, run again over itself, and run by several workers at once: every due
prospect is decided exactly once (one history row, one warning, one audit row per warning)."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from engine.api import AuditEvent, ItemStatus, WorkItem
from portal.crm.automation import reclaim
from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.models import ChangeRecord, Customer, Stage, Tag
from portal.crm.names import name_keys

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
TIMEOUT = 60
# days without contact -> how many prospects (40 and 31: reclaimed; 27: warned; 10: left alone)
BOOK = {40: 30, 31: 30, 27: 30, 10: 30}


def _book(stores, people) -> dict[int, set[int]]:
    key = name_keys("Prospect")
    owners = [people["sales"], people["sales2"], people["other_sales"]]
    made: dict[int, set[int]] = {}
    for days, count in BOOK.items():
        silent_since = NOW - timedelta(days=days)
        rows = Customer.objects.bulk_create(
            [
                Customer(
                    name=f"Prospect {days}-{n}",
                    name_key=key[0],
                    name_pinyin=key[1],
                    name_initials=key[2],
                    home_store=stores[n % 2],
                    owner=owners[n % 3],
                    last_contact_at=silent_since,
                    created_at=silent_since,
                )
                for n in range(count)
            ]
        )
        made[days] = {c.pk for c in rows}
    # a bought customer and a VIP silent 40 days stay with their salesperson
    Customer.objects.filter(pk=min(made[10])).update(stage=Stage.CUSTOMER, last_contact_at=NOW - timedelta(days=400))
    vip = Customer.objects.get(pk=min(made[40]))
    vip.tags.add(Tag.objects.create(name="vip"))
    made[40].discard(vip.pk)
    return made


def _assert_each_decided_once(made: dict[int, set[int]]) -> None:
    reclaimed = made[40] | made[31]
    history = Counter(ChangeRecord.objects.filter(entity="customer", field="owner").values_list("entity_id", flat=True))
    assert set(history) == reclaimed and set(history.values()) == {1}
    assert set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)) == reclaimed
    assert set(Customer.objects.filter(owner__isnull=True).values_list("pooled_at", flat=True)) == {NOW}
    warnings = Counter(WorkItem.objects.filter(kind="warning").values_list("subject_ref", flat=True))
    assert set(warnings) == {f"customer:{pk}" for pk in made[27]} and set(warnings.values()) == {1}
    assert set(WorkItem.objects.filter(kind="warning").values_list("status", flat=True)) == {ItemStatus.OPEN}
    created = Counter(
        event.data["key"] for event in AuditEvent.objects.filter(action="created") if event.data["kind"] == "warning"
    )
    assert len(created) == len(made[27]) and set(created.values()) == {1}


def test_three_parts_then_the_whole_sweep_and_four_parts_again_decide_each_prospect_once(stores, people):
    made = _book(stores, people)
    parts = [sweep_reclaim(now=NOW, part=(k, 3)) for k in range(3)]
    assert sum(p.actions["return_to_pool"] for p in parts) == len(made[40] | made[31])
    assert sum(p.actions["warn_owner"] for p in parts) == len(made[27])
    assert all(p.actions["return_to_pool"] > 0 for p in parts)  # the parts share the work
    again = sweep_reclaim(now=NOW)
    assert again.actions["return_to_pool"] == 0
    for k in range(4):
        sweep_reclaim(now=NOW, part=(k, 4))
    _assert_each_decided_once(made)


def test_parts_decide_what_the_whole_sweep_decides(stores, people):
    made = _book(stores, people)
    whole = sweep_reclaim(now=NOW, preview=True)
    parts = [sweep_reclaim(now=NOW, preview=True, part=(k, 5)) for k in range(5)]
    assert sorted((d["customer"], d["action"]) for p in parts for d in p.details) == sorted(
        (d["customer"], d["action"]) for d in whole.details
    )
    assert {d["customer"] for d in whole.details if d["action"] == "return_to_pool"} == made[40] | made[31]


def test_a_prospect_contacted_after_it_was_read_is_neither_reclaimed_nor_warned(stores, people, monkeypatch):
    made = _book(stores, people)
    contacted = {min(made[31]), min(made[27])}
    real = reclaim._still_as_read

    def contact_first(decisions, rows):
        Customer.objects.filter(pk__in=contacted).update(last_contact_at=NOW)
        return real(decisions, rows)

    monkeypatch.setattr(reclaim, "_still_as_read", contact_first)
    sweep_reclaim(now=NOW)
    assert None not in set(Customer.objects.filter(pk__in=contacted).values_list("owner_id", flat=True))
    assert not WorkItem.objects.filter(subject_ref__in=[f"customer:{pk}" for pk in contacted]).exists()
    assert not ChangeRecord.objects.filter(entity_id__in=contacted).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_sweeping_the_same_prospects_at_once_decide_each_once(stores, people, monkeypatch):
    """Four workers on PostgreSQL, each with its own connection: two sweep the whole book, two sweep halves.
    Each holds after reading its first chunk until all have read, so all decide the same prospects before
    any applies; the row locks and the check that each row is still as read let one decision through."""
    made = _book(stores, people)
    monkeypatch.setattr(reclaim, "CHUNK", 25)
    barrier = threading.Barrier(4, timeout=TIMEOUT)
    waited: set[int] = set()
    real = reclaim._still_as_read

    def read_together(decisions, rows):
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return real(decisions, rows)

    monkeypatch.setattr(reclaim, "_still_as_read", read_together)
    reports: list[object] = [None] * 4
    calls = [
        lambda: sweep_reclaim(now=NOW),
        lambda: sweep_reclaim(now=NOW),
        lambda: sweep_reclaim(now=NOW, part=(0, 2)),
        lambda: sweep_reclaim(now=NOW, part=(1, 2)),
    ]

    def run(index: int) -> None:
        try:
            reports[index] = calls[index]()
        except Exception as err:  # noqa: BLE001 - the test shows what each worker got
            reports[index] = err
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a worker did not finish: deadlock?"
    assert not [r for r in reports if isinstance(r, Exception)], reports
    applied = Counter()
    for report in reports:
        applied.update(report.actions)  # type: ignore[attr-defined]
    assert applied["return_to_pool"] == len(made[40] | made[31])
    _assert_each_decided_once(made)


def test_the_nightly_task_queues_the_parts_and_each_part_run_twice_decides_nothing_twice(stores, people, settings):
    from engine import clock
    from tests.helpers import queued
    from workers.tasks import sweep, sweep_part

    made = _book(stores, people)
    settings.LOTFLOW_RECLAIM_PARTS = 3
    clock.freeze(NOW)
    queued("workers.tasks.sweep_part")  # an empty queue to start from
    assert sweep("reclaim")["parts queued"] == 3
    parts = queued("workers.tasks.sweep_part")
    assert sorted(p[:2] for p in parts) == [[0, 3], [1, 3], [2, 3]]
    assert {p[2] for p in parts} == {NOW.isoformat()}
    done = [sweep_part(*p) for p in parts + parts]  # every message delivered twice
    assert sum(d.get("return_to_pool", 0) for d in done) == len(made[40] | made[31])
    _assert_each_decided_once(made)
