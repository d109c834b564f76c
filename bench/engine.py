"""Engine throughput against bare SpiffWorkflow and against the database's own floor.

    .venv/bin/python bench/engine.py [-n 500] [--database sqlite|postgres] [--processes 1,2,4]
                                     [--seconds 3] [--bench-db lotflow_bench_engine]

The engine path is what a salesperson's clicks cost: start an instance, then
complete each of its six work items as a user, with the permission check, form
validation, the work-item mirror, the audit row and the commit in the timed
path. The bare path runs the same process in memory with no storage at all.

The floor is the persisted step written by hand on the engine's own tables, on
a connection of its own (psycopg for PostgreSQL, sqlite3 for SQLite): update an
~8 KB state row under its version, close a work item, open the next, insert an
audit row, commit. A floor instance is a start (insert the state row, its first
item and an audit row) and six such steps, so both sides count seven steps an
instance. What the engine adds above the floor is its own work: the workflow,
the checks, and the round trips it makes beyond the floor's.

Then 1, 2 and 4 separate OS processes (each its own connection) run the engine
and the floor in alternating timed phases: aggregate instances/s, steps/s and
the p95 of a complete, and the engine's share of the floor's steps/s.

SQLite runs in a fresh file with the settings LotFlow ships (WAL, synchronous
NORMAL, IMMEDIATE transactions); PostgreSQL uses DATABASE_URL's server with a
throw-away database (``--bench-db``, dropped and made again at each run).
"""

import argparse
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
BLOCK = 10
STEPS = 7  # a start and six completes, for the engine and the floor alike
BPMN = ROOT / "bench" / "processes" / "bench_six_steps.bpmn"
USERNAME = "bench_sales"
DONE = {"outcome": "done", "note": "ok"}
sys.path.insert(0, str(ROOT))


def _configure(database: str, bench_db: str) -> str:
    # Production settings with the suite's throwaway keys (the data is synthetic): tests/settings.py.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["LOTFLOW_DEBUG"] = "0"  # as in production: DEBUG records every query
    if database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["LOTFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="lotflow-bench-")
        return "SQLite file, WAL, synchronous=NORMAL, IMMEDIATE transactions, checkpoints outside requests"
    import psycopg

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    base, _, _name = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}"')
        conn.execute(f'CREATE DATABASE "{bench_db}"')
    os.environ["DATABASE_URL"] = f"{base}/{bench_db}"
    return f"PostgreSQL, default durability (synchronous_commit on), READ COMMITTED, database {bench_db}"


def bare_runner() -> Callable[[], None]:
    """One instance of the process in bare, in-memory SpiffWorkflow."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec("bench_six_steps")

    def one() -> None:
        workflow = BpmnWorkflow(spec)
        workflow.task_tree.data.update({"customer_name": "Li Wei", "store_id": 1})
        workflow.do_engine_steps()
        while True:
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            ready[0].data.update(DONE)
            ready[0].run()
            workflow.do_engine_steps()
        assert workflow.is_completed()

    return one


def prepare_engine() -> None:
    """The store, the salesperson and the deployment every process's runner uses."""
    from django.contrib.auth import get_user_model

    from engine import api
    from portal.crm.models import Staff, StaffRole, Store

    store = Store.objects.create(name="Bench", region="East")
    user = get_user_model().objects.create_user(USERNAME, password="x")
    StaffRole.objects.create(staff=Staff.objects.create(user=user, store=store), role="sales")
    api.deploy_paths([BPMN])


class EngineRunner:
    """Instances through the engine API, recording each complete's time."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from engine import api
        from portal.crm.models import Store

        self.user = get_user_model().objects.get(username=USERNAME)
        self.api = api
        self.start_data = {"customer_name": "Li Wei", "store_id": Store.objects.get(name="Bench").pk}
        self.completes: list[float] = []
        self.middle_state = (0, 0)
        self.last = 0

    def __call__(self) -> None:
        from engine.models import ProcessInstance

        result = self.api.start("bench_six_steps", data=self.start_data, user=self.user)
        step = 0
        while result.opened:
            began = time.perf_counter()
            result = self.api.complete(result.opened[0], user=self.user, data=DONE)
            self.completes.append(time.perf_counter() - began)
            step += 1
            if step == 3 and not self.middle_state[0]:
                self.middle_state = state_size(ProcessInstance.objects.get(pk=result.instance_id).state)
        assert result.status == "completed", result
        self.last = result.instance_id


class Floor:
    """The persisted step written by hand, on the engine's tables, on a connection of its own.

    Each step: update an ~8 KB state row under its version, close the open item,
    open the next, insert an audit row, commit; nothing else (no workflow, no
    checks beyond the two row counts). The state is JSON shaped like a
    workflow's (ids, states, data), so that PostgreSQL compresses it no better
    than a real one.
    """

    def __init__(self, state_bytes: int) -> None:
        from django.db import connection

        from engine.models import Deployment

        self.sqlite = connection.vendor == "sqlite"
        settings = connection.settings_dict
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(settings["NAME"], isolation_level=None, timeout=20)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA wal_autocheckpoint=50000")
        else:
            import psycopg

            self.conn = psycopg.connect(os.environ["DATABASE_URL"])  # not autocommit: BEGIN ... COMMIT
        from django.contrib.auth import get_user_model

        self.user_id = get_user_model().objects.get(username=USERNAME).pk
        self.deployment_id = Deployment.objects.get(process_id="bench_six_steps").pk
        self.states = self._states(state_bytes)
        self.tasks = [str(uuid.uuid4()) for _ in range(6)]
        self.completes: list[float] = []

    def _sql(self, statement: str) -> str:
        return statement.replace("%s", "?") if self.sqlite else statement

    def _now(self) -> Any:
        now = datetime.now(UTC)
        return str(now.replace(tzinfo=None)) if self.sqlite else now

    @staticmethod
    def _states(size: int) -> list[str]:
        """The state at each of the seven steps: ~size bytes of JSON, one entry per task, made once."""
        tasks = [str(uuid.uuid4()) for _ in range(size // 280 + 1)]
        states = []
        for step in range(7):
            entries = {}
            for n, task_id in enumerate(tasks):
                entries[task_id] = {
                    "id": task_id,
                    "parent": tasks[n - 1],
                    "children": [tasks[(n + 1) % len(tasks)]],
                    "state": 64 if n < step else 16,
                    "task_spec": f"Step_{n}",
                    "last_state_change": 1_700_000_000.0 + n * 1.5 + step,
                    "data": {"customer_name": "Li Wei", "outcome": "done", "note": "ok"} if n < step else {},
                }
            states.append(json.dumps({"tasks": entries, "step": step}))
        return states

    def _begin(self, cursor: Any) -> None:
        if self.sqlite:
            cursor.execute("BEGIN IMMEDIATE")

    def _insert(self, cursor: Any, statement: str, params: list[Any]) -> int:
        if self.sqlite:
            cursor.execute(self._sql(statement), params)
            return cursor.lastrowid
        cursor.execute(statement + " RETURNING id", params)
        return cursor.fetchone()[0]

    _INSERT_ITEM = (
        "INSERT INTO engine_workitem (instance_id, task_id, element_id, kind, title, process_id, role, store_id, "
        'claimed, excluded, form, instructions, "values", texts, subject_label, subject_ref, priority, status, '
        "created_at) VALUES (%s, %s, %s, 'task', 'Step', 'bench_six_steps', 'sales', NULL, %s, '[]', '', '', "
        "'{}', '{}', '', '', 3, 'open', %s)"
    )
    _INSERT_AUDIT = (
        "INSERT INTO engine_auditevent (instance_id, work_item_id, process_id, element_id, action, actor_id, at, "
        "data) VALUES (%s, %s, 'bench_six_steps', %s, %s, %s, %s, %s)"
    )

    def __call__(self) -> None:
        tasks = self.tasks
        cursor = self.conn.cursor()
        now = self._now()
        self._begin(cursor)
        instance = self._insert(
            cursor,
            "INSERT INTO engine_processinstance (uid, process_id, business_key, store_id, status, state, "
            "serializer_version, version, callees, started_at, updated_at, end_reason, deployment_id, "
            "started_by_id) VALUES (%s, 'bench_six_steps', '', NULL, 'running', %s, '1', 1, '{}', %s, %s, '', "
            "%s, %s)",
            [uuid.uuid4().hex, self.states[0], now, now, self.deployment_id, self.user_id],
        )
        item = self._insert(cursor, self._INSERT_ITEM, [instance, tasks[0], "Step_0", False, now])
        cursor.execute(self._sql(self._INSERT_AUDIT), [instance, None, "", "started", self.user_id, now, "{}"])
        self.conn.commit()
        version = 1
        for step in range(1, 7):
            began = time.perf_counter()
            state, now = self.states[step], self._now()
            self._begin(cursor)
            cursor.execute(
                self._sql(
                    "UPDATE engine_processinstance SET state = %s, version = %s, updated_at = %s "
                    "WHERE id = %s AND version = %s"
                ),
                [state, version + 1, now, instance, version],
            )
            assert cursor.rowcount == 1
            version += 1
            cursor.execute(
                self._sql(
                    "UPDATE engine_workitem SET status = 'done', completed_at = %s, completed_by_id = %s, "
                    "result = %s WHERE id = %s AND status = 'open'"
                ),
                [now, self.user_id, json.dumps(DONE), item],
            )
            assert cursor.rowcount == 1
            closed = item
            if step < 6:
                item = self._insert(cursor, self._INSERT_ITEM, [instance, tasks[step], f"Step_{step}", False, now])
            cursor.execute(
                self._sql(self._INSERT_AUDIT),
                [instance, closed, f"Step_{step - 1}", "completed", self.user_id, now, json.dumps({"data": DONE})],
            )
            self.conn.commit()
            self.completes.append(time.perf_counter() - began)
        cursor.close()


class Checkpoints:
    """Runs ``action`` after every 50th instance, untimed (what the beat does)."""

    def __init__(self, action: Callable[[], object]) -> None:
        self.action, self.count = action, 0

    def __call__(self) -> None:
        self.count += 1
        if self.count % 50 == 0:
            self.action()


def state_size(stored: str) -> tuple[int, int]:
    """(bytes of JSON, bytes stored): SQLite pads the state to whole kilobytes (engine/sql.py)."""
    return len(stored.rstrip().encode()), len(stored.encode())


def timed(run: Callable[[], None], n: int, between: Callable[[], None] | None = None) -> float:
    """Seconds spent in n runs; ``between`` runs after each, untimed."""
    elapsed = 0.0
    for _ in range(n):
        began = time.perf_counter()
        run()
        elapsed += time.perf_counter() - began
        if between is not None:
            between()
    return elapsed


def interleaved(runners: list[Callable[[], None]], n: int, between: Callable[[], None]) -> list[float]:
    """Instances/s of each runner over n instances each, run in alternating blocks of BLOCK.

    This machine's speed drifts by a factor of two within a minute (other
    tenants); blocks of a few milliseconds each see the same machine.
    """
    spent = [0.0] * len(runners)
    for _ in range(n // BLOCK):
        for k, run in enumerate(runners):
            spent[k] += timed(run, BLOCK, between)
    return [n / s for s in spent]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


# --- statements and round trips of one complete -------------------------------------------


def count_one_complete(runner: EngineRunner) -> str:
    """The statements one complete sends and, on PostgreSQL, the round trips (libpq's trace)."""
    from django.db import connection

    started = runner.api.start("bench_six_steps", data=runner.start_data, user=runner.user)
    second = runner.api.complete(started.opened[0], user=runner.user, data=DONE)
    item = second.opened[0]
    if connection.vendor == "sqlite":
        sent: list[str] = []
        connection.ensure_connection()
        connection.connection.set_trace_callback(sent.append)
        try:
            runner.api.complete(item, user=runner.user, data=DONE)
        finally:
            connection.connection.set_trace_callback(None)
        return f"{len(sent)} statements (in-process, no round trips): " + "; ".join(s.split(" ")[0] for s in sent)
    from engine.models import WorkItem
    from engine.store import LIVE

    done: list[Any] = []
    known = _traced(lambda: done.append(runner.api.complete(item, user=runner.user, data=DONE)))
    # The next step in a process that has the instance's workflow but did not open the item (another
    # web process did): the item is read first.
    third = done[0].opened[0]
    live = LIVE.take(WorkItem.objects.get(pk=third).instance_id)
    assert live is not None
    live.items.clear()
    LIVE.put(live)
    read = _traced(lambda: runner.api.complete(third, user=runner.user, data=DONE))
    return f"{known} (an item this process opened); {read} (an item another process opened)"


def _traced(step: Callable[[], object]) -> str:
    """The statements ``step`` sends on PostgreSQL and its round trips (libpq's trace)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from psycopg import pq

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as trace, CaptureQueriesContext(connection) as captured:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            step()
        finally:
            pgconn.untrace()
        trace.seek(0)
        lines = [line.split("\t") for line in trace.read().splitlines()]
    if os.environ.get("BENCH_TRACE"):
        print("\n".join("  ".join(x[:3])[:100] for x in lines))
    # A round trip: what the client sends before it reads the server's answer.
    directions = [line[0] for line in lines if line and line[0] in ("F", "B")]
    waits = sum(1 for sent, answer in itertools.pairwise(directions) if sent == "F" and answer == "B")
    words = ", ".join(q["sql"].split(" ")[0] for q in captured)
    return f"{len(captured)} statement(s) ({words}), {waits} round trip(s)"


# --- several processes ------------------------------------------------------------------------


def _worker(index: int, phases: list[str], seconds: float, state_bytes: int, barrier: Any, results: Any) -> None:
    import django

    django.setup()
    engine, floor = EngineRunner(), Floor(state_bytes)
    engine(), floor()  # warm: caches, connections
    engine.completes.clear()
    floor.completes.clear()
    report = []
    for phase in phases:
        run = engine if phase == "engine" else floor
        barrier.wait()
        began = time.perf_counter()
        deadline, count = began + seconds, 0
        while time.perf_counter() < deadline:
            run()
            count += 1
        report.append((phase, count, began, time.perf_counter()))
    results.put((index, report, engine.completes, floor.completes))


def several(processes: int, rounds: int, seconds: float, state_bytes: int) -> dict[str, Any]:
    """Aggregate instances/s of the engine and the floor, ``processes`` at a time, in alternating phases."""
    context = multiprocessing.get_context("spawn")
    phases = ["engine", "floor"] * rounds
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=_worker, args=(i, phases, seconds, state_bytes, barrier, results))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    rates: dict[str, list[float]] = {"engine": [], "floor": []}
    for p, phase in enumerate(phases):
        count = sum(report[p][1] for _, report, _, _ in reports)
        span = max(report[p][3] for _, report, _, _ in reports) - min(report[p][2] for _, report, _, _ in reports)
        rates[phase].append(count / span)
    return {
        "engine": statistics.median(rates["engine"]),
        "floor": statistics.median(rates["floor"]),
        "ratio": statistics.median(e / f for e, f in zip(rates["engine"], rates["floor"], strict=True)),
        "engine_p95": quantile([t for r in reports for t in r[2]], 0.95),
        "floor_p95": quantile([t for r in reports for t in r[3]], 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="instances to time in one process (default 500)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", default="1,2,4", help="process counts to run side by side ('' for none)")
    parser.add_argument("--rounds", type=int, default=3, help="engine and floor phases of each process count")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one phase (default 3)")
    parser.add_argument("--state-bytes", type=int, default=8192, help="the floor's state size (default 8192)")
    parser.add_argument("--bench-db", default="lotflow_bench_engine", help="PostgreSQL's throw-away database")
    args = parser.parse_args()
    described = _configure(args.database, args.bench_db)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from engine import sql
    from engine.models import Deployment, ProcessInstance

    prepare_engine()
    bare, engine, floor = bare_runner(), EngineRunner(), Floor(args.state_bytes)
    timed(bare, 20)
    timed(engine, 20)
    timed(floor, 20)
    engine.completes.clear()
    floor.completes.clear()
    # Rounds of interleaved blocks, so that a machine that speeds up or slows down
    # moves all figures alike; the ratios are the medians of the rounds'. The WAL
    # checkpoint runs between blocks, untimed, as the beat runs it outside requests.
    rounds, checkpoints = [], Checkpoints(sql.checkpoint_wal)
    for _ in range(ROUNDS):
        bare_rate, engine_rate, floor_rate = interleaved([bare, engine, floor], args.n // ROUNDS, between=checkpoints)
        rounds.append((bare_rate, engine_rate, floor_rate, engine_rate / bare_rate, engine_rate / floor_rate))
    bare_rate, engine_rate, floor_rate, ratio, floor_ratio = (statistics.median(r[i] for r in rounds) for i in range(5))
    completes = engine.completes
    spec_bytes = len(str(Deployment.objects.get(process_id="bench_six_steps").spec))
    final_state = state_size(ProcessInstance.objects.get(pk=engine.last).state)
    floor_state = len(floor.states[3])
    print(f"database: {described}")
    print(
        f"instances: {args.n} of a six-user-task process (start + 6 completes each), {ROUNDS} rounds "
        f"of alternating blocks of {BLOCK}"
    )
    print(f"bare SpiffWorkflow (in memory): {bare_rate:8.1f} instances/s (median of rounds)")
    print(
        f"LotFlow engine (stored):        {engine_rate:8.1f} instances/s, {engine_rate * STEPS:7.1f} steps/s "
        "(median of rounds)"
    )
    print(
        f"floor (hand-written step):      {floor_rate:8.1f} instances/s, {floor_rate * STEPS:7.1f} steps/s "
        f"(median of rounds; {floor_state}-byte state)"
    )
    print(f"ratio engine/bare:              {ratio:8.3f} (median; rounds {', '.join(f'{r[3]:.3f}' for r in rounds)})")
    print(
        f"ratio engine/floor (steps/s):   {floor_ratio:8.3f} "
        f"(median; rounds {', '.join(f'{r[4]:.3f}' for r in rounds)})"
    )
    for name, times in (("complete", completes), ("floor step", floor.completes)):
        print(
            f"{name + ' p50 / p95 / p99 / mean:':36}{quantile(times, 0.5) * 1000:.2f} / "
            f"{quantile(times, 0.95) * 1000:.2f} / {quantile(times, 0.99) * 1000:.2f} / "
            f"{statistics.fmean(times) * 1000:.2f} ms"
        )
    print(
        f"stored state (JSON / as stored): {engine.middle_state[0]} / {engine.middle_state[1]} bytes mid-way, "
        f"{final_state[0]} / {final_state[1]} bytes finished (the spec, {spec_bytes} bytes, "
        "stored once per deployment)"
    )
    print(f"one complete sends: {count_one_complete(engine)}")
    counts = [int(p) for p in args.processes.split(",") if p.strip()]
    if counts:
        print(
            f"separate processes, each its own connection: {args.rounds} alternating phases of {args.seconds:g} s "
            "each for the engine and the floor; medians of the phases, p95 over all"
        )
        print("procs  engine inst/s  steps/s  complete p95 | floor inst/s  steps/s  step p95 | engine/floor")
    for processes in counts:
        found = several(processes, args.rounds, args.seconds, args.state_bytes)
        print(
            f"{processes:5}  {found['engine']:13.1f}  {found['engine'] * STEPS:7.1f}  "
            f"{found['engine_p95'] * 1000:9.2f} ms | {found['floor']:12.1f}  {found['floor'] * STEPS:7.1f}  "
            f"{found['floor_p95'] * 1000:5.2f} ms | {found['ratio']:12.3f}"
        )


if __name__ == "__main__":
    main()
