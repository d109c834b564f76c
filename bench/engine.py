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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPMN = ROOT / "bench" / "processes" / "bench_six_steps.bpmn"
sys.path.insert(0, str(ROOT))


def _configure(database: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
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


def bare(n: int) -> float:
    """Instances per second of the process in bare, in-memory SpiffWorkflow."""
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

    for _ in range(20):
        one()
    began = time.perf_counter()
    for _ in range(n):
        one()
    return n / (time.perf_counter() - began)


def through_engine(n: int) -> dict:
    from django.contrib.auth import get_user_model

    from engine import api, sql
    from engine.models import ProcessInstance
    from portal.crm.models import Staff, StaffRole, Store

    store = Store.objects.create(name="Bench", region="East")
    user = get_user_model().objects.create_user("bench_sales", password="x")
    StaffRole.objects.create(staff=Staff.objects.create(user=user, store=store), role="sales")
    api.deploy_paths([BPMN])
    data = {"outcome": "done", "note": "ok"}
    start_data = {"customer_name": "Li Wei", "store_id": store.pk}
    completes: list[float] = []
    middle_state = 0

    def one(record: bool) -> int:
        nonlocal middle_state
        result = api.start("bench_six_steps", data=start_data, user=user)
        step = 0
        while result.opened:
            began = time.perf_counter()
            result = api.complete(result.opened[0], user=user, data=data)
            if record:
                completes.append(time.perf_counter() - began)
            step += 1
            if step == 3 and not middle_state:
                middle_state = len(ProcessInstance.objects.get(pk=result.instance_id).state)
        assert result.status == "completed", result
        return result.instance_id

    for _ in range(20):
        one(False)
    elapsed = 0.0
    last = 0
    for number in range(n):
        began = time.perf_counter()
        last = one(True)
        elapsed += time.perf_counter() - began
        if number % 50 == 49:
            sql.checkpoint_wal()  # what the beat does every 30 s, outside the requests (not timed)
    rate = n / elapsed
    completes.sort()
    return {
        "rate": rate,
        "p50": completes[len(completes) // 2] * 1000,
        "p99": completes[int(len(completes) * 0.99)] * 1000,
        "mean": statistics.fmean(completes) * 1000,
        "final_state": len(ProcessInstance.objects.get(pk=last).state),
        "middle_state": middle_state,
    }


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
    from engine.models import Deployment

    bare_rate = bare(args.n)
    engine = through_engine(args.n)
    spec_bytes = len(str(Deployment.objects.get(process_id="bench_six_steps").spec))
    print(f"database: {described}")
    print(f"instances: {args.n} of a six-user-task process (start + 6 completes each)")
    print(f"bare SpiffWorkflow (in memory): {bare_rate:8.1f} instances/s")
    print(f"LotFlow engine (stored):        {engine['rate']:8.1f} instances/s")
    print(f"ratio engine/bare:              {engine['rate'] / bare_rate:8.3f}")
    print(f"complete p50 / p99 / mean:      {engine['p50']:.2f} / {engine['p99']:.2f} / {engine['mean']:.2f} ms")
    print(f"stored state: {engine['middle_state']} bytes mid-way, {engine['final_state']} bytes finished "
          f"(spec stored once per deployment: {spec_bytes} bytes)")


if __name__ == "__main__":
    main()
