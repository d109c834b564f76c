"""A worker killed with SIGKILL in the middle of firing timers and in the middle of the reclaim sweep.

Each round: due work, one of two real workers takes it, SIGKILL lands after its first commit (plus a random part
of the run), the task is queued again, as beat does at its next tick, and the other worker takes it while a
replacement boots. Nothing may be done twice (one timer_fired audit row and one call-back item per instance; one
owner change per reclaimed prospect, one warning per warned one) and everything due must be done after the
restart. LOTFLOW_FAULT_ROUNDS rounds (bench/faults.py --rounds 100).
"""

import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from engine import api, clock
from engine.models import AuditEvent, DueTimer, WorkItem
from portal.crm.models import ChangeRecord, Customer
from portal.crm.names import name_keys
from tests.faults.conftest import ROUNDS, Crew, kill, report, send, wait_until
from tests.helpers import assert_round_trip, deploy, make_staff
from workers.tasks import fire_due_timers, sweep

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
TIMERS = 50  # due timers a round
# Prospects a round, silent 40 days (reclaimed) and 27 days (warned).
RECLAIM, WARN = 2500, 500


def _fired(ids: list[int]) -> int:
    return AuditEvent.objects.filter(action="timer_fired", instance_id__in=ids).count()


def test_a_worker_killed_while_firing_timers_fires_each_once_after_a_restart(processes, stores):
    deploy("worker_timer.bpmn")
    crew = Crew(processes)
    for number in range(ROUNDS):
        # Started two hours ago (by the engine's clock): every one-hour timer is due.
        with clock.frozen(datetime.now(UTC) - timedelta(hours=2)):
            ids = [api.start("worker_timer", data={"store_id": stores[0].pk}).instance_id for _ in range(TIMERS)]
        worker = crew.taker(send(fire_due_timers))
        wait_until(lambda ids=ids: _fired(ids), 60, "a first timer fired", alive=(worker,), step=0.005)
        time.sleep(random.uniform(0, 0.3))  # somewhere in the run, not always right after its first commit
        kill(worker)
        when_killed = _fired(ids)
        restarted = time.monotonic()
        crew.replace(worker)
        send(fire_due_timers)  # beat's next tick
        wait_until(lambda ids=ids: not DueTimer.objects.filter(instance_id__in=ids).exists(), 120, "all fired")
        recovery = time.monotonic() - restarted

        per_instance = Counter(
            AuditEvent.objects.filter(action="timer_fired", instance_id__in=ids).values_list("instance_id", flat=True)
        )
        items = Counter(
            WorkItem.objects.filter(instance_id__in=ids, element_id="CallBack").values_list("instance_id", flat=True)
        )
        doubled = sum(1 for i in ids if per_instance[i] > 1 or items[i] > 1)
        missing = sum(1 for i in ids if per_instance[i] == 0 or items[i] == 0)
        report(
            test="timers",
            round=number,
            due=TIMERS,
            done_when_killed=when_killed,
            doubled=doubled,
            missing=missing,
            recovery_s=round(recovery, 2),
        )
        assert (doubled, missing) == (0, 0), f"round {number}: {doubled} fired twice, {missing} not fired"
        for instance_id in ids:
            assert_round_trip(instance_id)  # state, open items and timers agree


def _prospects(store, owner, count: int, silent_days: int, tag: str) -> list[int]:
    since = clock.now() - timedelta(days=silent_days)
    keys = name_keys("Prospect")
    rows = Customer.objects.bulk_create(
        [
            Customer(
                name=f"Prospect {tag} {n}",
                name_key=keys[0],
                name_pinyin=keys[1],
                name_initials=keys[2],
                home_store=store,
                owner=owner,
                last_contact_at=since,
                created_at=since,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    return [row.pk for row in rows]


def test_a_worker_killed_in_the_reclaim_sweep_applies_each_decision_once_after_a_restart(processes, stores):
    # Chunks of 100: thirty commits a round, so that a kill soon after the first lands before the last on any
    # machine, however fast the sweep (with the default 2,000 a round is two commits a few hundredths apart).
    processes.env["LOTFLOW_RECLAIM_CHUNK"] = "100"
    crew = Crew(processes)
    landed = 0
    for number in range(ROUNDS):
        owner = make_staff(f"sales{number}", stores[0], ["sales"])
        reclaim = _prospects(stores[0], owner, RECLAIM, 40, f"r{number}")
        warn = _prospects(stores[0], owner, WARN, 27, f"w{number}")
        worker = crew.taker(send(sweep, "reclaim"))
        wait_until(
            lambda r=reclaim: ChangeRecord.objects.filter(field="owner", entity_id__in=r).exists(),
            120,
            "a first prospect reclaimed",
            alive=(worker,),
            step=0.005,
        )
        time.sleep(random.uniform(0, 0.05))
        kill(worker)
        when_killed = Customer.objects.filter(pk__in=reclaim, owner__isnull=True).count()
        landed += when_killed < RECLAIM
        restarted = time.monotonic()
        crew.replace(worker)
        send(sweep, "reclaim")  # the next night's run, or the message redelivered
        wait_until(lambda r=reclaim, w=warn: _all_decided(r, w), 180, "every due prospect decided", step=0.1)
        recovery = time.monotonic() - restarted

        changes = (
            ChangeRecord.objects.filter(field="owner", entity_id__in=reclaim)
            .values("entity_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        warnings = (
            WorkItem.objects.filter(kind="warning", subject_ref__in=_refs(warn))
            .values("subject_ref")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        undone = Customer.objects.filter(pk__in=reclaim, owner__isnull=False).count()
        wrong = Customer.objects.filter(pk__in=warn, owner__isnull=True).count()  # a warned prospect stays owned
        report(
            test="sweep",
            round=number,
            due=RECLAIM,
            done_when_killed=when_killed,
            doubled=changes + warnings,
            missing=undone + wrong,
            recovery_s=round(recovery, 2),
        )
        assert (changes, warnings, undone, wrong) == (0, 0, 0, 0), f"round {number}: decisions doubled or wrong"
        assert not WorkItem.objects.filter(kind="warning", status="open", subject_ref__in=_refs(reclaim)).exists()
    # The premise: kills land mid-sweep (after the last chunk's commit one would test nothing).
    assert landed, "no kill landed before the sweep's end"


def _refs(ids: list[int]) -> list[str]:
    return [f"customer:{c}" for c in ids]


def _all_decided(reclaim: list[int], warn: list[int]) -> bool:
    return not Customer.objects.filter(pk__in=reclaim, owner__isnull=False).exists() and WorkItem.objects.filter(
        kind="warning", subject_ref__in=_refs(warn)
    ).count() >= len(warn)
