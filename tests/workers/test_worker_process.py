"""A real Celery worker process fires due timers, on the filesystem broker and on Redis.

The worker reads the same PostgreSQL test database as the test (a separate
process cannot see SQLite's in-memory test database), so these run in the
PostgreSQL pass of CI.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.models import DueTimer
from portal.celery import app
from tests.helpers import deploy, open_items
from workers.tasks import fire_due_timers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("worker", ["filesystem", pytest.param("redis", marks=pytest.mark.redis)], indirect=True)
def test_a_worker_process_fires_a_due_timer(worker, people, stores):
    deploy("worker_timer.bpmn")
    # Started two hours ago (by the engine's clock): the one-hour timer is due now.
    with clock.frozen(datetime.now(UTC) - timedelta(hours=2)):
        instance = api.start("worker_timer", data={"store_id": stores[0].pk}).instance_id
    assert DueTimer.objects.filter(instance_id=instance).exists()

    # A fresh connection from the settings above (the app's pool may hold another broker's).
    with app.connection_for_write() as broker_connection:
        fire_due_timers.apply_async(connection=broker_connection)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not open_items(instance):
        assert worker.poll() is None, worker.stdout.read().decode(errors="replace")
        time.sleep(0.2)  # polling another process's work; no engine time depends on it
    assert [i.element_id for i in open_items(instance)] == ["CallBack"]
    assert not DueTimer.objects.filter(instance_id=instance).exists()
