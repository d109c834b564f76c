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


def test_tasks_queued_while_redis_restarts_are_all_done_and_worker_and_beat_reconnect(processes, redis_server, stores):
    deploy("worker_timer.bpmn")
    with clock.frozen(datetime.now(UTC) - timedelta(hours=2)):
        timers = [api.start("worker_timer", data={"store_id": stores[0].pk}).instance_id for _ in range(TIMERS)]
    worker = processes.worker(loglevel="INFO", pool="prefork")  # as bin/start runs it
    beat = processes.beat()  # sends checkpoint_database every second
    both = (worker, beat)
    # Both running before the fault: the beat has sent a tick and the worker has done one (the worker's banner
    # names the task too, and a beat still booting when Redis goes away refuses to start, as it should).
    first_tick = lambda: _beat_sent(beat) >= 1 and _succeeded(worker) >= 1  # noqa: E731
    wait_until(first_tick, 120, "a first tick sent and done", alive=both)

    # The worker busy firing timers (its message unacknowledged), a queue behind it, and Redis goes away. The queue
    # is sent once the timers are being fired: sent before, the worker's other process could do all of it while the
    # first timer waited for the CPU of a busy machine, and nothing would be queued at the restart.
    send(fire_due_timers)
    fired = AuditEvent.objects.filter(action="timer_fired", instance_id__in=timers)
    wait_until(fired.exists, 60, "a first timer fired", alive=both, step=0.01)
    ids = send(checkpoint_database, times=QUEUED).split(",")
    queued = redis_server.client().llen("celery")
    redis_server.restart(down_seconds=3)
    print(f"tasks waiting in Redis when it stopped: {queued} of {QUEUED}")
    assert queued > 0, "the worker had done everything before the restart: nothing was tested"

    # Every task the worker received is done, and every one still in Redis. The one exception kombu's Redis
    # transport cannot avoid: the message a BRPOP took in Redis's last instant, whose reply Redis never sent (it
    # left the queue and never reached the worker); at most one, for the worker's one consumer.
    try:
        wait_until(lambda: all(_done(worker, i) for i in ids), 120, "every queued task done", alive=both, step=0.2)
    except AssertionError:
        missing = [i for i in ids if not _done(worker, i)]
        log = worker.log_path.read_text()
        print(f"not done: {missing}")
        assert len(missing) == 1 and f"[{missing[0]}] received" not in log, f"tasks lost: {missing}"
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


def test_a_message_left_unacknowledged_by_a_released_connection_goes_back_on_the_next_one(redis_server):
    """What the worker meets now and then when Redis goes away (portal/ops/broker.py): its broken connection is
    released before the task channel is closed. The close neither fails nor loses the message, a late ack is a
    connection error, and the next channel the process opens puts the message back on its queue."""
    from kombu import Connection

    transport = "portal.ops.broker:Transport"
    with Connection(redis_server.url, transport=transport) as connection:
        channel = connection.channel()
        channel.queue_declare("guarded")
        channel.basic_publish(channel.prepare_message("work"), exchange="", routing_key="guarded")
        message = channel.basic_get("guarded", no_ack=False)
        connection.transport.client = None  # what kombu's release of a broken connection does
        channel.close()
        with pytest.raises(connection.connection_errors):  # a task ending late: logged by celery, not a crash
            message.ack()
    client = redis_server.client()
    assert (client.hlen("unacked"), client.llen("guarded")) == (1, 0)
    with Connection(redis_server.url, transport=transport) as connection:
        connection.channel()
    assert (client.hlen("unacked"), client.llen("guarded")) == (0, 1)
