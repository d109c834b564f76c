"""The statements one complete sends, counted where they go, so that one more on the hot path fails here.

docs/engine.md lists them: read the item, then, in one transaction, close it,
write the state under its version, open the next item and write the audit row.
On SQLite that is 7 statements with BEGIN and COMMIT; they bypass Django's
cursor (engine/sql.py), so the driver's trace callback counts them. On
PostgreSQL the read goes before the transaction and the writes are one
statement, a transaction by itself: 2 statements, which a query capture sees,
in two round trips (bench/engine.py counts those); an item this process opened
itself is not read again (tests/engine/test_known_items.py): 1 statement.
"""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import api, store
from engine.models import WorkItem
from tests.helpers import deploy, make_staff, make_store

BENCH = Path(__file__).resolve().parents[2] / "bench" / "processes" / "bench_six_steps.bpmn"
DONE = {"outcome": "done", "note": "ok"}


@pytest.fixture
def second_step(transactional_db):
    """A process one step in, its next item open: the deployment, grants and caches are warm."""
    store = make_store("Bench", "华东")
    user = make_staff("bench_sales", store, ["sales"])
    deploy(str(BENCH))
    started = api.start("bench_six_steps", data={"customer_name": "Li Wei", "store_id": store.pk}, user=user)
    after_first = api.complete(started.opened[0], user=user, data=DONE)
    return after_first.opened[0], user


@pytest.mark.postgres
def test_one_complete_sends_two_statements_on_postgresql(second_step):
    item, user = second_step
    # As in a web process that has the instance's workflow from an earlier step, but did not open this item.
    live = store.LIVE.take(WorkItem.objects.get(pk=item).instance_id)
    live.items.clear()
    store.LIVE.put(live)
    with CaptureQueriesContext(connection) as captured:
        api.complete(item, user=user, data=DONE)
    assert len(captured) == 2, "\n".join(q["sql"] for q in captured)
    assert captured[1]["sql"].startswith("WITH closed AS (UPDATE")


def test_one_complete_sends_seven_statements_on_sqlite(second_step):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite driver's trace callback")
    item, user = second_step
    sent: list[str] = []
    connection.ensure_connection()
    connection.connection.set_trace_callback(sent.append)
    try:
        api.complete(item, user=user, data=DONE)
    finally:
        connection.connection.set_trace_callback(None)
    assert len(sent) == 7, "\n".join(sent)


@pytest.mark.postgres
def test_with_prepared_statements_off_a_complete_prepares_nothing(second_step, settings):
    """Behind a pool in transaction mode that does not keep prepared statements (docs/scaling.md)."""
    item, user = second_step
    settings.LOTFLOW = {**settings.LOTFLOW, "PREPARED_STATEMENTS": False}
    connection.close()  # a new session: nothing prepared on it yet

    result = api.complete(item, user=user, data=DONE)

    assert result.opened
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
