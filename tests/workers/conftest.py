"""A real Celery worker process for the worker tests, on the filesystem broker or on Redis.

The worker reads the same PostgreSQL test database as the test (a separate
process cannot see SQLite's in-memory test database), so these tests run in the
PostgreSQL pass of CI.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from portal.celery import app

ROOT = Path(__file__).resolve().parents[2]


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
        "broker_transport_options": {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "processed_folder": str(tmp_path / "celery" / "processed"),
            "control_folder": str(tmp_path / "celery" / "control"),
            "store_processed": False,
        },
    }


@pytest.fixture
def worker_factory(request, tmp_path):
    """Start worker processes on one broker (request.param of `worker`, default redis); all are stopped after."""
    broker = getattr(request, "param", "redis")
    worker_env, conf = _broker_settings(broker, tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(worker_env)
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    previous = {key: app.conf.get(key) for key in conf}
    app.conf.update(conf)
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    app.conf.update(previous)


@pytest.fixture
def worker(request, worker_factory):
    return worker_factory()


def kill(process: subprocess.Popen) -> None:
    """End a worker the hard way, as a crash or an OOM kill would."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)
