"""A process started on a wrong database or an unreachable Redis says so and stops; one beat only; gunicorn serves.

Real processes with production settings (manage.py, bin/start, celery beat, gunicorn), each in its own var/ folder.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "LOTFLOW_SECRET_KEY": "k" * 20 + "-throwaway-secret-key-for-this-test-only-0123456789",
    "LOTFLOW_DATA_KEYS": "1:throwaway-data-key-for-this-test-only-0123456789",
    "LOTFLOW_HTTPS": "0",
    "LOTFLOW_LANGUAGE": "en",
}
# Nothing listens there: connections are refused at once.
CLOSED = "127.0.0.1:1"


def production_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """Production settings in ``tmp_path``: none of the suite's keys, services or Django switches, only ``env``."""
    names = ("DJANGO_", "LOTFLOW_", "DATABASE_URL", "REDIS_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(names)}
    clean.update(KEYS, LOTFLOW_VAR_DIR=str(tmp_path), PY=sys.executable, **env)
    return clean


def run(tmp_path: Path, *command: str, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(command),
        cwd=ROOT,
        env=production_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def preflight(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run(tmp_path, sys.executable, "manage.py", "preflight", *args, **env)


def test_served_over_https_survey_links_need_the_sites_address(tmp_path):
    result = preflight(tmp_path, LOTFLOW_HTTPS="1")
    assert result.returncode == 1
    assert "LOTFLOW_PUBLIC_URL: http://localhost:8000 is not an https address customers can open" in result.stderr
    fixed = preflight(tmp_path, LOTFLOW_HTTPS="1", LOTFLOW_PUBLIC_URL="https://lotflow.dealer.example")
    assert "LOTFLOW_PUBLIC_URL" not in fixed.stderr


def test_a_wrong_database_url_is_named_with_its_address_and_stops(tmp_path):
    result = preflight(tmp_path, DATABASE_URL=f"postgres://lotflow:s3cret-pw@{CLOSED}/lotflow")
    assert result.returncode == 1
    assert f"DATABASE_URL: the database postgresql://{CLOSED}/lotflow does not answer" in result.stderr
    assert "Connection refused" in result.stderr and "LotFlow cannot start" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout  # the password never reaches a log
    assert "Traceback" not in result.stderr


def test_an_unreachable_redis_is_named_and_stops(tmp_path):
    result = preflight(tmp_path, REDIS_URL=f"redis://:s3cret-pw@{CLOSED}/0")
    assert result.returncode == 1
    assert f"REDIS_URL: Redis at redis://{CLOSED}/0 does not answer" in result.stderr
    assert "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_cache_is_named_and_every_problem_is_listed(tmp_path):
    result = preflight(
        tmp_path, DATABASE_URL=f"postgres://lotflow@{CLOSED}/lotflow", LOTFLOW_CACHE_URL=f"redis://{CLOSED}/1"
    )
    assert result.returncode == 1
    assert "DATABASE_URL:" in result.stderr and "LOTFLOW_CACHE_URL:" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_the_message_is_in_the_groups_language(tmp_path):
    result = preflight(tmp_path, REDIS_URL=f"redis://{CLOSED}/0", LOTFLOW_LANGUAGE="zh-hans")
    assert result.returncode == 1
    assert f"REDIS_URL: Redis（redis://{CLOSED}/0）无法连接" in result.stderr


def test_a_database_without_this_releases_migrations_stops_web_worker_and_beat(tmp_path):
    unmigrated = preflight(tmp_path, "--migrated")
    assert unmigrated.returncode == 1
    assert "lacks" in unmigrated.stderr and "bin/start release" in unmigrated.stderr
    for process in ("worker", "beat"):
        started = run(tmp_path, "bin/start", process, timeout=60)
        assert started.returncode == 1 and "bin/start release" in started.stderr, process
    # Without --migrated (the release step's own check, before it migrates) the same database is fine.
    assert preflight(tmp_path).returncode == 0


@pytest.mark.postgres
def test_a_database_that_does_not_exist_on_a_running_server_is_named(tmp_path):
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/lotflow_no_such_database"
    result = preflight(tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    assert 'database "lotflow_no_such_database" does not exist' in result.stderr
    assert preflight(tmp_path, DATABASE_URL=os.environ["DATABASE_URL"]).returncode == 0


@pytest.mark.redis
def test_a_reachable_redis_passes(tmp_path):
    result = preflight(tmp_path, REDIS_URL=os.environ["REDIS_URL"], LOTFLOW_CACHE_URL=os.environ["REDIS_URL"])
    assert result.returncode == 0, result.stderr


def start_beat(tmp_path: Path, **env: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "beat",
        "-l",
        "INFO",
        "-S",
        "portal.ops.beat:LockedScheduler",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=production_env(tmp_path, LOTFLOW_BEAT_LOCK_SECONDS="20", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(process: subprocess.Popen, text: str, seconds: float = 60) -> str:
    """Lines of the process's output up to the one holding ``text`` (fails when it ends or the time is up)."""
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"no {text!r} in:\n{''.join(seen)}")


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, as a process manager stops it; its exit code (its output is read meanwhile, so it never blocks)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=30)
        return process.returncode
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize(
    "broker",
    ["filesystem", pytest.param("redis", marks=pytest.mark.redis)],
)
def test_a_second_beat_stops_and_the_first_keeps_the_schedule(tmp_path, broker):
    env = {"REDIS_URL": os.environ["REDIS_URL"]} if broker == "redis" else {}
    first = start_beat(tmp_path, **env)
    try:
        wait_for(first, "beat: Starting")
        second = start_beat(tmp_path, **env)
        output, _ = second.communicate(timeout=60)
        assert second.returncode == 1
        assert re.search(r"Another beat is already running \(.+ pid \d+.*\); only one may run", output)
        assert first.poll() is None  # the first goes on
    finally:
        assert stop(first) == 0
    # A clean stop frees the lock at once: the next beat starts.
    third = start_beat(tmp_path, **env)
    try:
        wait_for(third, "beat: Starting")
    finally:
        stop(third)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_gunicorn_refuses_to_start_on_a_wrong_database(tmp_path):
    result = run(tmp_path, "bin/start", "web", DATABASE_URL=f"postgres://lotflow@{CLOSED}/lotflow", timeout=60)
    assert result.returncode != 0
    assert "DATABASE_URL: the database" in result.stderr and "Booting worker" not in result.stderr


def test_after_the_release_step_gunicorn_serves_the_login_page_and_hashed_static_files(tmp_path):
    released = run(tmp_path, "bin/start", "release", timeout=300)
    assert released.returncode == 0, released.stderr
    assert "lead_to_cash 1" in released.stdout
    again = run(tmp_path, "bin/start", "release", timeout=300)
    assert "lead_to_cash 1 (unchanged)" in again.stdout  # a release without changed processes deploys nothing new
    port = free_port()
    web = subprocess.Popen(
        ["bin/start", "web"],
        cwd=ROOT,
        env=production_env(tmp_path, PORT=str(port), LOTFLOW_WEB_WORKERS="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as answer:
                    assert answer.status == 200
                    page = answer.read().decode()
            except OSError:
                assert web.poll() is None, "gunicorn stopped"
                time.sleep(0.5)
        pico = re.search(r'href="(/static/@picocss/pico/css/pico\.min\.[0-9a-f]{12}\.css)"', page)
        assert pico, page[:500]
        request = urllib.request.Request(f"http://127.0.0.1:{port}{pico.group(1)}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
            assert "immutable" in answer.headers["Cache-Control"] and answer.headers["Content-Encoding"] == "gzip"
    finally:
        web.send_signal(signal.SIGTERM)
        log, _ = web.communicate(timeout=60)
    assert web.returncode == 0
    assert re.search(r'"GET /login/ HTTP/1.1" 200', log)  # the access log goes to the process's output


@pytest.mark.redis
def test_the_beat_sets_its_lock_again_after_a_redis_restart_and_stops_when_another_holds_it(tmp_path):
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    beat = start_beat(tmp_path, REDIS_URL=os.environ["REDIS_URL"])  # renews every 5 s (a 20 s lock)
    try:
        wait_for(beat, "beat: Starting")
        holder = client.get("lotflow:beat")
        assert holder and f"pid {beat.pid}".encode() in holder
        client.delete("lotflow:beat")  # what a Redis restarted without its data looks like
        deadline = time.monotonic() + 30
        while client.get("lotflow:beat") is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.get("lotflow:beat") == holder and beat.poll() is None
        client.set("lotflow:beat", b"elsewhere pid 1 0000")  # another beat took over meanwhile
        output, _ = beat.communicate(timeout=60)
        assert beat.returncode != 0 and "beat lock taken over by elsewhere pid 1" in output
    finally:
        if beat.poll() is None:
            beat.kill()
        client.delete("lotflow:beat")
