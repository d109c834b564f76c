"""A worker killed in the middle of the reclaim sweep, on Redis: the sweep run again finishes the job,
and every prospect ends reclaimed exactly once, with no duplicate history or work items."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from engine import clock
from engine.models import WorkItem
from portal.celery import app
from portal.crm.models import ChangeRecord, Customer
from portal.crm.names import name_keys
from tests.workers.conftest import kill
from workers.tasks import sweep

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PROSPECTS = 6000


def _silent_prospects(store, owner) -> None:
    silent_since = clock.now() - timedelta(days=40)
    key = name_keys("Prospect")
    Customer.objects.bulk_create(
        [
            Customer(
                name=f"Prospect {n}",
                name_key=key[0],
                name_pinyin=key[1],
                name_initials=key[2],
                home_store=store,
                owner=owner,
                last_contact_at=silent_since,
                created_at=silent_since,
            )
            for n in range(PROSPECTS)
        ],
        batch_size=1000,
    )


def _send_sweep() -> None:
    with app.connection_for_write() as broker:
        sweep.apply_async(args=["reclaim"], connection=broker)


@pytest.mark.parametrize("worker", ["redis"], indirect=True)
def test_a_sweep_killed_half_way_and_run_again_reclaims_each_prospect_once(worker, stores, people, request):
    _silent_prospects(stores[0], people["sales"])
    _send_sweep()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not ChangeRecord.objects.exists():
        assert worker.poll() is None, worker.stdout.read().decode(errors="replace")
        time.sleep(0.05)  # waiting on another process; no engine time depends on it
    kill(worker)
    reclaimed_when_killed = Customer.objects.filter(owner__isnull=True).count()
    print(f"reclaimed when the worker was killed: {reclaimed_when_killed} of {PROSPECTS}")
    # The premise: the kill landed mid-sweep. A kill after the last chunk (or before the first) tests nothing.
    assert 0 < reclaimed_when_killed < PROSPECTS, f"the kill did not land mid-sweep ({reclaimed_when_killed} reclaimed)"

    second = request.getfixturevalue("worker_factory")()
    _send_sweep()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and Customer.objects.filter(owner__isnull=False).exists():
        assert second.poll() is None, second.stdout.read().decode(errors="replace")
        time.sleep(0.1)

    assert not Customer.objects.filter(owner__isnull=False).exists()
    assert ChangeRecord.objects.filter(field="owner").count() == PROSPECTS
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT entity_id) FROM crm_changerecord WHERE field = 'owner'")
        assert cursor.fetchone()[0] == PROSPECTS
    assert not WorkItem.objects.filter(kind="warning", status="open").exists()
    assert get_user_model().objects.filter(username="sales").exists()
