"""Engine throughput against bare SpiffWorkflow, on the same six-user-task process.

    .venv/bin/python bench/engine.py [-n 500] [--database sqlite|postgres]

The engine path is what a salesperson's clicks cost: start an instance, then
complete each of its six work items as a user, with the permission check, form
validation, the work-item mirror, the audit row and the commit in the timed
path. The bare path runs the same process in memory with no storage at all.
SQLite runs in a fresh file with the settings LotFlow ships (WAL, synchronous
NORMAL, IMMEDIATE transactions); PostgreSQL uses DATABASE_URL's server with a
throw-away database `lotflow_bench`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
BLOCK = 10
BPMN = ROOT / "bench" / "processes" / "bench_six_steps.bpmn"
sys.path.insert(0, str(ROOT))


def _configure(database: str) -> str:
    # Production settings with the suite's throwaway keys (the data is synthetic): tests/settings.py.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["LOTFLOW_DEBUG"] = "0"  # as in production: DEBUG records every query
    if database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["LOTFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="lotflow-bench-")
        return "SQLite file, WAL, synchronous=NORMAL, IMMEDIATE transactions, checkpoints outside requests"
    import psycopg

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
    base, _, _name = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS lotflow_bench")
        conn.execute("CREATE DATABASE lotflow_bench")
    os.environ["DATABASE_URL"] = f"{base}/lotflow_bench"
    return "PostgreSQL, default durability (synchronous_commit on), READ COMMITTED"


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
            ready[0].data.update({"outcome": "done", "note": "ok"})
            ready[0].run()
            workflow.do_engine_steps()
        assert workflow.is_completed()

    return one


class EngineRunner:
    """Instances through the engine API, recording each complete's time."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from engine import api
        from portal.crm.models import Staff, StaffRole, Store

        store = Store.objects.create(name="Bench", region="East")
        self.user = get_user_model().objects.create_user("bench_sales", password="x")
        StaffRole.objects.create(staff=Staff.objects.create(user=self.user, store=store), role="sales")
        api.deploy_paths([BPMN])
        self.api = api
        self.start_data = {"customer_name": "Li Wei", "store_id": store.pk}
        self.completes: list[float] = []
        self.middle_state = (0, 0)
        self.last = 0
        self.done = 0

    def __call__(self) -> None:
        from engine.models import ProcessInstance

        result = self.api.start("bench_six_steps", data=self.start_data, user=self.user)
        step = 0
        while result.opened:
            began = time.perf_counter()
            result = self.api.complete(result.opened[0], user=self.user, data={"outcome": "done", "note": "ok"})
            self.completes.append(time.perf_counter() - began)
            step += 1
            if step == 3 and not self.middle_state[0]:
                self.middle_state = state_size(ProcessInstance.objects.get(pk=result.instance_id).state)
        assert result.status == "completed", result
        self.last = result.instance_id


class Checkpoints:
    """Runs ``action`` after every 50th engine instance, untimed (what the beat does)."""

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


def interleaved(
    bare: Callable[[], None], engine: Callable[[], None], n: int, between: Callable[[], None]
) -> tuple[float, float]:
    """(bare, engine) instances/s over n instances each, run in alternating blocks of BLOCK.

    This machine's speed drifts by a factor of two within a minute (other
    tenants); blocks of a few milliseconds each see the same machine.
    """
    bare_time = engine_time = 0.0
    for _ in range(n // BLOCK):
        bare_time += timed(bare, BLOCK)
        engine_time += timed(engine, BLOCK, between)
    return n / bare_time, n / engine_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="instances to time (default 500)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    described = _configure(args.database)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from engine import sql
    from engine.models import Deployment, ProcessInstance

    bare, engine = bare_runner(), EngineRunner()
    timed(bare, 20)
    timed(engine, 20)
    engine.completes.clear()
    # Rounds of interleaved blocks, so that a machine that speeds up or slows down
    # moves both figures alike; the ratio is the median of the rounds'. The WAL
    # checkpoint runs between blocks, untimed, as the beat runs it outside requests.
    rounds, checkpoints = [], Checkpoints(sql.checkpoint_wal)
    for _ in range(ROUNDS):
        bare_rate, engine_rate = interleaved(bare, engine, args.n // ROUNDS, between=checkpoints)
        rounds.append((bare_rate, engine_rate, engine_rate / bare_rate))
    bare_rate, engine_rate, ratio = (statistics.median(r[i] for r in rounds) for i in range(3))
    completes = sorted(engine.completes)
    spec_bytes = len(str(Deployment.objects.get(process_id="bench_six_steps").spec))
    final_state = state_size(ProcessInstance.objects.get(pk=engine.last).state)
    print(f"database: {described}")
    print(
        f"instances: {args.n} of a six-user-task process (start + 6 completes each), {ROUNDS} rounds "
        f"of alternating blocks of {BLOCK}"
    )
    print(f"bare SpiffWorkflow (in memory): {bare_rate:8.1f} instances/s (median of rounds)")
    print(f"LotFlow engine (stored):        {engine_rate:8.1f} instances/s (median of rounds)")
    print(f"ratio engine/bare:              {ratio:8.3f} (median; rounds {', '.join(f'{r[2]:.3f}' for r in rounds)})")
    print(
        f"complete p50 / p99 / mean:      {completes[len(completes) // 2] * 1000:.2f} / "
        f"{completes[int(len(completes) * 0.99)] * 1000:.2f} / {statistics.fmean(completes) * 1000:.2f} ms"
    )
    print(
        f"stored state (JSON / as stored): {engine.middle_state[0]} / {engine.middle_state[1]} bytes mid-way, "
        f"{final_state[0]} / {final_state[1]} bytes finished (the spec, {spec_bytes} bytes, "
        "stored once per deployment)"
    )


if __name__ == "__main__":
    main()
