"""Two beats started by mistake, at the same moment: one runs, the other says why and stops; the schedule is sent
once; a beat killed with SIGKILL is replaced once its lock expires; and should two beats send anyway (without
the lock), due timers fire once with two workers."""

import itertools
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.models import AuditEvent, DueTimer
from tests.faults.conftest import kill, wait_until
from tests.helpers import deploy

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
HELD = re.compile(r"Another beat is already running \(.+ pid (\d+) .+\); only one may run")


def _sends(beat) -> list[float]:
    """When ``beat`` sent the checkpoint task (seconds, from its log's time stamps)."""
    found = re.findall(
        r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/MainProcess\] Scheduler: Sending due task checkpoint-database",
        beat.log_path.read_text(),
    )
    return [datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC).timestamp() for stamp in found]


def test_two_beats_started_together_send_the_schedule_once(processes, redis_server):
    first, second = processes.beat(), processes.beat()  # one second schedule, ten second lock (conftest.py)
    wait_until(lambda: first.poll() is not None or second.poll() is not None, 120, "one of the beats stops")
    stopped, running = (first, second) if first.poll() is not None else (second, first)
    assert stopped.returncode == 1
    message = HELD.search(stopped.log_path.read_text())
    assert message and int(message.group(1)) == running.pid, stopped.log_text()
    holder = redis_server.client().get("lotflow:beat")
    assert holder and f"pid {running.pid} ".encode() in holder

    wait_until(lambda: len(_sends(running)) >= 6, 60, "six ticks", alive=(running,), step=0.2)
    sends = _sends(running)
    assert not _sends(stopped)
    gaps = [b - a for a, b in itertools.pairwise(sends)]
    assert min(gaps) > 0.5, gaps  # once a second, never doubled

    # Killed, its lock outlives it for at most LOTFLOW_BEAT_LOCK_SECONDS (a beat started meanwhile stops, as
    # above); then the next beat takes over.
    kill(running)
    assert 0 < redis_server.client().pttl("lotflow:beat") <= 10_000
    wait_until(lambda: redis_server.client().get("lotflow:beat") is None, 30, "the lock expires", step=0.2)
    late = processes.beat()
    wait_until(lambda: _sends(late), 60, "the new beat sends", alive=(late,), step=0.2)


def test_due_timers_sent_by_two_beats_to_two_workers_fire_once(processes, redis_server, stores):
    """The tables keep a doubled message from doing anything twice: two fire_due_timers at once, each timer once."""
    deploy("worker_timer.bpmn")
    with clock.frozen(datetime.now(UTC) - timedelta(hours=2)):
        ids = [api.start("worker_timer", data={"store_id": stores[0].pk}).instance_id for _ in range(40)]
    workers = [processes.worker(), processes.worker()]
    # The lock stops a second beat; these two run without it (Celery's own scheduler), timers every second each.
    beats = [processes.beat("tests.faults.fastbeat:timers", "celery.beat:PersistentScheduler") for _ in "ab"]
    wait_until(
        lambda: not DueTimer.objects.filter(instance_id__in=ids).exists(),
        120,
        "every timer fired",
        alive=(*workers, *beats),
        step=0.2,
    )
    time.sleep(2)  # a few more ticks of both beats
    fired = Counter(
        AuditEvent.objects.filter(action="timer_fired", instance_id__in=ids).values_list("instance_id", flat=True)
    )
    assert set(fired) == set(ids) and set(fired.values()) == {1}
