"""Redis restarted while tasks are queued: every task is done, and the worker and the beat reconnect by themselves.

The Redis server is the tests' own (conftest.py), run as compose.yaml runs it (append-only file) and stopped
cleanly, as a process manager restarts it.
"""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.models import AuditEvent, DueTimer
from tests.faults.conftest import send, wait_until
from tests.helpers import deploy
from workers.tasks import checkpoint_database, fire_due_timers

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
QUEUED = 300
TIMERS = 40


def _done(worker, task_id: str) -> bool:
    return f"[{task_id}] succeeded" in worker.log_path.read_text()


def _beat_sent(beat) -> int:
    return beat.log_path.read_text().count("Sending due task checkpoint-database")


@pytest.mark.xfail(
    strict=False,
    reason="found here, not fixed yet: now and then the worker process exits when Redis goes away, because "
    "kombu 5.7's channel close (restore_unacked_once) reads conninfo.hostname of a connection it already "
    "released (AttributeError on None); a process manager restarts it and the unacknowledged messages come "
    "back after the visibility timeout, but it does not reconnect by itself",
)
def test_tasks_queued_while_redis_restarts_are_all_done_and_worker_and_beat_reconnect(processes, redis_server, stores):
    deploy("worker_timer.bpmn")
    with clock.frozen(datetime.now(UTC) - timedelta(hours=2)):
        timers = [api.start("worker_timer", data={"store_id": stores[0].pk}).instance_id for _ in range(TIMERS)]
    worker = processes.worker(loglevel="INFO", pool="prefork")  # as bin/start runs it
    beat = processes.beat()  # sends checkpoint_database every second
    both = (worker, beat)
    wait_until(lambda: "checkpoint_database" in worker.log_path.read_text(), 120, "a first tick done", alive=both)

    # The worker busy firing timers (its message unacknowledged), a queue behind it, and Redis goes away.
    send(fire_due_timers)
    ids = send(checkpoint_database, times=QUEUED).split(",")
    fired = AuditEvent.objects.filter(action="timer_fired", instance_id__in=timers)
    wait_until(fired.exists, 60, "a first timer fired", alive=both, step=0.01)
    queued = redis_server.client().llen("celery")
    redis_server.restart(down_seconds=3)
    print(f"tasks waiting in Redis when it stopped: {queued} of {QUEUED}")
    assert queued > 0, "the worker had done everything before the restart: nothing was tested"

    wait_until(lambda: all(_done(worker, i) for i in ids), 120, "every queued task done", alive=both, step=0.2)
    wait_until(lambda: not DueTimer.objects.filter(instance_id__in=timers).exists(), 60, "every timer fired")
    assert fired.count() == TIMERS  # once each
    # The beat goes on sending, and the worker doing what it sends.
    sent, done = _beat_sent(beat), _succeeded(worker)
    wait_until(lambda: _beat_sent(beat) >= sent + 3, 60, "the beat sends again", alive=both, step=0.2)
    wait_until(lambda: _succeeded(worker) >= done + 3, 60, "the worker does what it sends", alive=both, step=0.2)
    holder = redis_server.client().get("lotflow:beat")
    assert holder and f"pid {beat.pid}".encode() in holder


def _succeeded(worker) -> int:
    return worker.log_path.read_text().count("] succeeded in")
