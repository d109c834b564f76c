"""Real processes for the fault tests: a Redis server of their own (restarted at will), Celery workers and beats.

Workers and beats run the project's Celery app with the suite's settings on the same PostgreSQL test database
as the test (another process cannot see SQLite's in-memory database) and on a Redis server these tests start on
a free port, with its append-only file as compose.yaml runs it, so that a restart keeps what was queued. The
shared Redis is never restarted; REDIS_URL only switches these service tests on.

``LOTFLOW_FAULT_ROUNDS`` (default 1) is how many times the kill tests repeat; ``bench/faults.py --rounds 100``
runs them with more and prints what they recorded (``LOTFLOW_FAULT_REPORT``, a JSON lines file).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from portal.celery import app
from tests.crm.conftest import book, crm_people  # noqa: F401 - fixtures of test_database_cut.py
from tests.crm.test_api import api  # noqa: F401 - fixture
from tests.inbox.conftest import demo_contact  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
# As compose.yaml runs Redis: queued tasks are written to the append-only file and survive a restart.
PERSISTENT = ("--appendonly", "yes", "--save", "", "--daemonize", "no")
ROUNDS = max(1, int(os.environ.get("LOTFLOW_FAULT_ROUNDS", "1")))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(
    condition: Callable[[], Any], seconds: float, what: str, *, alive: tuple = (), step: float = 0.02
) -> Any:
    """Poll another process's work until ``condition()`` is true; fail if one of ``alive`` ended or time is up."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        for process in alive:
            assert process.poll() is None, f"{process.args[3:5]} ended: {process.log_text()}"
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(step)  # waiting on another process; no engine time depends on it


class RedisServer:
    """redis-server on a free port, appendonly as in compose.yaml; stop/start keep the port and the data folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        log = (self.folder / "redis.log").open("a")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder), *PERSISTENT],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self.answers, 20, "redis-server answers")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        """A clean stop (SIGTERM, as systemd or docker stop it): the append-only file keeps what is queued."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)  # the time Redis is away: the processes must ride it out
        self.start()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    previous = {key: app.conf.get(key) for key in ("broker_url", "result_backend", "broker_transport_options")}
    app.conf.update(broker_url=server.url, result_backend=None, broker_transport_options={})
    yield server
    app.conf.update(previous)
    server.stop()


class Process(subprocess.Popen):
    """A started worker or beat whose output goes to a file (a full pipe would block it)."""

    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class Processes:
    def __init__(self, tmp_path: Path, server: RedisServer) -> None:
        self.tmp_path = tmp_path
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LOTFLOW_CACHE_URL")}
        db = connection.settings_dict
        self.env.update(
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            REDIS_URL=server.url,
            LOTFLOW_VAR_DIR=str(tmp_path),
            LOTFLOW_BEAT_LOCK_SECONDS="10",
        )
        self.started: list[Process] = []

    def start(self, *args: str, app_module: str = "portal", **env: str) -> Process:
        log_path = self.tmp_path / f"{args[0]}-{len(self.started)}.log"
        with log_path.open("w") as log:
            process = Process(
                [sys.executable, "-m", "celery", "-A", app_module, *args],
                cwd=ROOT,
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.log_path = log_path
        self.started.append(process)
        return process

    def worker(self, name: str = "", loglevel: str = "WARNING", pool: str = "solo") -> Process:
        """A worker; ``pool="prefork"`` runs two child processes, as bin/start's workers do."""
        return self.start(
            "worker",
            f"--pool={pool}",
            *(["--concurrency=2"] if pool == "prefork" else []),
            f"--loglevel={loglevel}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={name or 'w' + str(len(self.started))}@%h",
        )

    def beat(
        self, app_module: str = "tests.faults.fastbeat", scheduler: str = "portal.ops.beat:LockedScheduler"
    ) -> Process:
        """A beat with the project's scheduler; by default on one-second ticks (tests/faults/fastbeat.py)."""
        schedule = self.tmp_path / f"schedule-{len(self.started)}"
        return self.start("beat", "-l", "INFO", "-S", scheduler, "-s", str(schedule), app_module=app_module)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


@pytest.fixture
def processes(tmp_path: Path, redis_server: RedisServer) -> Iterator[Processes]:
    started = Processes(tmp_path, redis_server)
    yield started
    started.stop_all()


def kill(process: subprocess.Popen) -> None:
    """End a process the hard way, as a crash or the kernel's OOM killer would."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)


def send(task: Any, *args: Any, times: int = 1) -> str:
    """Queue ``task`` on the test's Redis (a fresh connection: the app's pool may hold another broker's); the
    ids, joined by commas."""
    with app.connection_for_write() as broker:
        return ",".join(str(task.apply_async(args=list(args), connection=broker).id) for _ in range(times))


class Crew:
    """Two workers (INFO logs: each says which task it received): one takes the work, one stands by, so that
    after a kill the work goes on at once while a replacement boots, as with a process manager and two workers."""

    def __init__(self, processes: Processes) -> None:
        self.processes = processes
        self.workers = [processes.worker(loglevel="INFO"), processes.worker(loglevel="INFO")]

    def taker(self, task_id: str) -> Process:
        """The worker that received task ``task_id``."""

        def found() -> Process | None:
            return next((w for w in self.workers if f"[{task_id}] received" in w.log_path.read_text()), None)

        return wait_until(found, 120, f"a worker received {task_id}", alive=tuple(self.workers))

    def replace(self, killed: Process) -> None:
        self.workers = [w for w in self.workers if w is not killed] + [self.processes.worker(loglevel="INFO")]


def report(**figures: Any) -> None:
    """One round's figures, for bench/faults.py (nothing when it did not ask)."""
    path = os.environ.get("LOTFLOW_FAULT_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps(figures) + "\n")
