"""Replaying an edit of pool_reclaim over 30 days of recorded facts.

    .venv/bin/python bench/replay.py [--customers 1000000] [--days 30] [--database-url URL]

Writes 30 days of the facts the nightly reclaim sweep records for a book of
``--customers`` customers straight into the engine's table, as the sweep would
(one row per chunk of 2,000 prospects). The book is bench/sweep.py's: of a
million customers, 50,000 owned prospects silent for 31-50 days, 50,000 in the
warning window, and a third of the rest owned prospects contacted within 24
days (the others bought, or are in a pool), so 400,000 owned prospects a night;
each night they are a day more silent, and some get a contact. Then it times
``engine.api.replay_rules`` of pool_reclaim with ``reclaim_after_days`` changed
from 30 to 20 and prints the time, the counts, and the rows and bytes recorded
per day. SQLite (a throw-away file with LotFlow's settings) unless
``--database-url`` names an empty PostgreSQL database.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CHUNK = 2000


def book(customers: int, rng: random.Random) -> list[tuple[int, int, str, str, str, bool]]:
    """(id, days silent tonight, owner, intent, store, vip) of the owned prospects, as bench/sweep.py builds them."""
    due = customers // 20
    found = []
    for n in range(customers):
        if n < due:
            silent = rng.randint(31, 50)
        elif n < 2 * due:
            silent = rng.randint(25, 29)
        elif n % 3 == 1:
            silent = rng.randint(0, 24)
        else:
            continue  # bought long ago, or in a pool: not a prospect with an owner
        intent = rng.choice(("high", "medium", "medium", "low"))
        found.append((n + 1, silent, f"sales{n % 120}", intent, f"Store {n % 3}", rng.random() < 0.02))
    return found


def build(customers: int, days: int) -> tuple[int, int]:
    """Record ``days`` nights of facts; returns (rows, bytes) of the last night."""
    from engine.models import RuleFactRecord
    from engine.rules.recorded import encode

    rng = random.Random(7)
    prospects = book(customers, rng)
    rows = size = 0
    for back in range(days - 1, -1, -1):
        at = NOW - timedelta(days=back)
        records = []
        rows = size = 0
        for start in range(0, len(prospects), CHUNK):
            facts = []
            for pid, silent, owner, intent, store, vip in prospects[start : start + CHUNK]:
                days_silent = silent - back
                if days_silent < 0:  # contacted since: count from that contact
                    days_silent = (days_silent + 60) % 25
                facts.append(
                    {
                        "id": pid,
                        "stage": "prospect",
                        "owner": owner,
                        "intent_level": intent,
                        "source": "website",
                        "tags": ["vip"] if vip else [],
                        "days_without_contact": days_silent,
                        "store": store,
                        "region": "East" if store != "Store 0" else "North",
                    }
                )
            data = encode(facts)
            records.append(RuleFactRecord(ruleset="pool_reclaim", at=at, version=None, count=len(facts), data=data))
            rows += 1
            size += len(data)
        RuleFactRecord.objects.bulk_create(records, batch_size=200)
    return rows, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    # Production settings with the suite's throwaway keys (the data is synthetic): tests/settings.py.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["LOTFLOW_DEBUG"] = "0"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["LOTFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="lotflow-replay-")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from engine import api
    from engine.models import RuleFactRecord

    began = time.perf_counter()
    rows, size = build(args.customers, args.days)
    total = RuleFactRecord.objects.count()
    print(
        f"recorded {args.days} nights of pool_reclaim facts for {args.customers} customers "
        f"in {time.perf_counter() - began:.1f} s: {rows} rows and {size / 1e6:.1f} MB a night "
        f"({total} rows in all)"
    )
    text = (ROOT / "rules" / "pool_reclaim.rules").read_text(encoding="utf-8")
    edited = text.replace("set reclaim_after_days = 30", "set reclaim_after_days = 20")
    assert edited != text
    began, cpu = time.perf_counter(), time.process_time()
    result = api.replay_rules("pool_reclaim", edited, days=args.days, now=NOW)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"database: {connection.vendor}")
    print(f"replayed {result['evaluations']} evaluations, {result['facts']} facts")
    for count in result["counts"]:
        params = " ".join(f"{k}={v}" for k, v in count["params"].items())
        print(f"  {count['action']} {params}: old {count['old']}, new {count['new']}")
    print(f"  decisions changed: {result['changed_total']} (first {len(result['changed'])} listed)")
    print(f"{args.days}-day replay time: {elapsed:.1f} s (CPU {cpu:.1f} s)")


if __name__ == "__main__":
    main()
