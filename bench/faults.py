"""Workers killed with SIGKILL, many times: the kill tests of tests/faults run with more rounds, and their figures.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/faults.py --rounds 100 [--only timers]

Each round of tests/faults/test_worker_killed.py puts work due (50 timers, or 3,000 prospects for the reclaim
sweep), lets a real Celery worker start on it, kills it with SIGKILL after its first commit plus a random part
of the run, queues the task again and lets the other worker finish. Printed per kind: rounds, kills that landed
mid-work (after a first commit, before the last), work done twice (must be 0), work left undone or decided
wrongly after the restart (must be 0), and how long the restart took to finish the rest. The tests start their
own Redis server (REDIS_URL only switches them on) and use DATABASE_URL's server for a throw-away test database.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = {
    "timers": "tests/faults/test_worker_killed.py::"
    "test_a_worker_killed_while_firing_timers_fires_each_once_after_a_restart",
    "sweep": "tests/faults/test_worker_killed.py::"
    "test_a_worker_killed_in_the_reclaim_sweep_applies_each_decision_once_after_a_restart",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--only", choices=sorted(TESTS))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("bench/faults.py needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    if not os.environ.get("REDIS_URL"):
        sys.exit("bench/faults.py needs REDIS_URL (it switches the service tests on; they start their own Redis)")
    report = Path(tempfile.mkdtemp(prefix="lotflow-faults-")) / "rounds.jsonl"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "LOTFLOW_FAULT_ROUNDS": str(args.rounds),
        "LOTFLOW_FAULT_REPORT": str(report),
    }
    chosen = [TESTS[args.only]] if args.only else list(TESTS.values())
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *chosen], cwd=ROOT, env=env, check=False
    )
    elapsed = time.monotonic() - started
    rounds = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print(f"\n{args.rounds} rounds asked, {elapsed:.0f} s in all; pytest exit {run.returncode}")
    print(f"{'kind':8} {'rounds':>6} {'mid-work':>8} {'doubled':>7} {'undone':>6} {'restart p50':>11} {'max':>6}")
    for kind in TESTS:
        mine = [r for r in rounds if r["test"] == kind]
        if not mine:
            continue
        mid = sum(1 for r in mine if 0 < r["done_when_killed"] < r["due"])
        recovery = [r["recovery_s"] for r in mine]
        print(
            f"{kind:8} {len(mine):>6} {mid:>8} {sum(r['doubled'] for r in mine):>7} "
            f"{sum(r['missing'] for r in mine):>6} {statistics.median(recovery):>10.1f}s {max(recovery):>5.1f}s"
        )
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
