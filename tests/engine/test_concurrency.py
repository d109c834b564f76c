"""Two people acting on one instance at the same moment, on PostgreSQL with real connections.

Each thread has its own database connection. A barrier placed right after each
thread has read the instance (it wraps the engine's read and changes nothing
else) makes both read the same version before either writes, so the version
check is what decides, every run.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from engine import api, store
from engine.errors import Conflict
from tests.helpers import assert_round_trip, deploy, open_items

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TIMEOUT = 20


def _both_read_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each thread after its first read of the instance until the other has read too."""
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    waited: set[int] = set()
    real_checkout = store.checkout

    def checkout_then_wait(row):
        live = real_checkout(row)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return live

    monkeypatch.setattr("engine.runtime.checkout", checkout_then_wait)
    store.LIVE.clear()


def _run_together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads at once; each returns its result or the exception it raised."""
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except Exception as err:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = err
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread did not finish: deadlock?"
    return results


def test_same_item_completed_by_two_people_at_once_succeeds_once(people, stores, monkeypatch):
    deploy("concurrent_branches.bpmn")
    instance = api.start("concurrent_branches", data={"store_id": stores[0].pk}).instance_id
    item = next(i for i in open_items(instance) if i.element_id == "CheckPapers")
    _both_read_first(monkeypatch)

    results = _run_together(
        lambda: api.complete(item.pk, user=people["sales"]), lambda: api.complete(item.pk, user=people["sales2"])
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], Conflict), results
    assert "already completed" in str(failures[0]) or "at the same time" in str(failures[0])
    assert [i.element_id for i in open_items(instance)] == ["CheckCar"]
    assert_round_trip(instance)


def test_items_on_parallel_branches_completed_at_once_both_succeed(people, stores, monkeypatch):
    deploy("concurrent_branches.bpmn")
    instance = api.start("concurrent_branches", data={"store_id": stores[0].pk}).instance_id
    papers, car = open_items(instance)
    _both_read_first(monkeypatch)

    results = _run_together(
        lambda: api.complete(papers.pk, user=people["sales"]), lambda: api.complete(car.pk, user=people["sales2"])
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert [i.element_id for i in open_items(instance)] == ["Deliver"]
    assert_round_trip(instance)
