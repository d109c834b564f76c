"""Bad input at start: a wrong database, an unreachable Redis, two release steps at once. Real processes.

Each process runs with production settings in a folder of its own (tests/portal/test_preflight.py has the
preflight command's own tests; tests/faults/ the faults of running processes).
"""

import fcntl
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.portal.test_preflight import CLOSED, ROOT, production_env, run


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A var/ folder whose SQLite database has every migration (so that a start's only problem is the one made)."""
    folder = tmp_path_factory.mktemp("migrated")
    done = run(folder, sys.executable, "manage.py", "migrate", "--no-input", "-v", "0", timeout=300)
    assert done.returncode == 0, done.stderr
    return folder


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("DATABASE_URL:", "REDIS_URL:", "LOTFLOW_"))]


def test_web_on_a_wrong_database_url_stops_with_one_clear_line(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, "bin/start", "web", DATABASE_URL=f"postgres://lotflow:pw@{CLOSED}/lotflow", timeout=90)
    assert result.returncode != 0
    lines = problem_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"DATABASE_URL: the database postgresql://{CLOSED}/lotflow does not answer (")
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "pw@" not in output
    assert "Listening at" not in output and "Booting worker" not in output  # nothing half-started
    assert time.monotonic() - started < 60  # a refused connection is not waited for


def test_a_worker_with_an_unreachable_redis_says_so_and_does_not_start(migrated):
    result = run(migrated, "bin/start", "worker", REDIS_URL=f"redis://{CLOSED}/0", timeout=90)
    assert result.returncode == 1
    lines = problem_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"REDIS_URL: Redis at redis://{CLOSED}/0 does not answer")
    assert "LotFlow cannot start: 1 problem(s) above." in result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "celery@" not in output  # the worker never came up to retry forever


def test_beat_with_an_unreachable_redis_says_so_and_does_not_start(migrated):
    result = run(migrated, "bin/start", "beat", REDIS_URL=f"redis://{CLOSED}/0", timeout=90)
    assert result.returncode == 1
    assert problem_lines(result.stderr)[0].startswith("REDIS_URL: Redis at")
    assert "beat: Starting" not in result.stdout + result.stderr


def start_release(folder: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["bin/start", "release"],
        cwd=ROOT,
        env=production_env(folder, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(stream, text: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"no {text!r} in {''.join(seen)!r}")


def test_a_release_step_waits_for_one_already_running_then_finds_its_work_done(migrated):
    lock_path = migrated / "lotflow.sqlite3.release-lock"
    with lock_path.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another release step is running
        second = start_release(migrated)
        try:
            wait_for_line(second.stderr, "Another release step is running on this database; waiting")
            time.sleep(1)
            assert second.poll() is None  # it waits, it does not migrate beside the other
        except BaseException:
            second.kill()
            raise
    out, err = second.communicate(timeout=300)  # the lock is free: it goes on
    assert second.returncode == 0, err
    assert "The other release step has finished; this one goes on." in err
    assert "No migrations to apply." in out and "lead_to_cash 1" in out
    again = run(migrated, "bin/start", "release", timeout=300)  # and once more: nothing changes
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply." in again.stdout and "lead_to_cash 1 (unchanged)" in again.stdout


def test_a_release_step_that_waits_too_long_gives_up_having_changed_nothing(migrated):
    with (migrated / "lotflow.sqlite3.release-lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run(migrated, "bin/start", "release", LOTFLOW_RELEASE_WAIT_SECONDS="1", timeout=120)
    assert result.returncode == 1
    assert "Another release step has been running for more than 1 seconds; nothing was changed." in result.stderr
    assert "Traceback" not in result.stderr and "lead_to_cash" not in result.stdout


@pytest.mark.postgres
def test_two_release_steps_on_postgresql_one_waits_for_the_other(tmp_path):
    """On a database of its own (made and dropped here): the advisory lock is seen from every machine."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    server = base.rsplit("/", 1)[0]
    name = f"{base.rsplit('/', 1)[1].split('?')[0]}_release_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{server}/{name}"
        from portal.ops.management.commands.release_step import LOCK_KEY

        with psycopg.connect(url, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            waiting = start_release(tmp_path, DATABASE_URL=url)
            try:
                wait_for_line(waiting.stderr, "Another release step is running on this database; waiting")
                tables = holder.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
                assert tables == (0,)  # it has not begun to migrate
            except BaseException:
                waiting.kill()
                raise
            holder.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            out, err = waiting.communicate(timeout=600)
        assert waiting.returncode == 0, err
        assert "Applying engine.0001" in out and "lead_to_cash 1" in out
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
