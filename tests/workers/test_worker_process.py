"""A real Celery worker process fires due timers, on the filesystem broker and on Redis.

The worker reads the same PostgreSQL test database as the test (a separate
process cannot see SQLite's in-memory test database), so these run in the
PostgreSQL pass of CI.
"""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from engine import api, clock
from engine.models import DueTimer
from tests.helpers import deploy, open_items
from workers.celery import app
from workers.tasks import fire_due_timers

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _broker_settings(broker: str, tmp_path: Path) -> tuple[dict, dict]:
    """(environment for the worker, Celery settings for this process) for one broker."""
    if broker == "redis":
        url = os.environ["REDIS_URL"]
        return {"REDIS_URL": url}, {"broker_url": url, "result_backend": url, "broker_transport_options": {}}
    env = {"LOTFLOW_VAR_DIR": str(tmp_path)}
    folder = str(tmp_path / "celery" / "queue")
    os.makedirs(folder, exist_ok=True)
    os.makedirs(tmp_path / "celery" / "processed", exist_ok=True)
    return env, {
        "broker_url": "filesystem://",
        "result_backend": None,
        "broker_transport_options": {"data_folder_in": folder, "data_folder_out": folder,
                                     "processed_folder": str(tmp_path / "celery" / "processed"),
                                     "control_folder": str(tmp_path / "celery" / "control"),
                                     "store_processed": False},
    }


@pytest.fixture
def worker(request, tmp_path):
    broker = request.param
    worker_env, conf = _broker_settings(broker, tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(worker_env)
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    previous = {key: app.conf.get(key) for key in conf}
    app.conf.update(conf)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    app.conf.update(previous)


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
