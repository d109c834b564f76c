"""The reports at a dealer group's size: builds two years of records and times every report.

    .venv/bin/python bench/reports.py                    # 1,000,000 customers, 5,000,000 communications, ...
    .venv/bin/python bench/reports.py --scale 0.1        # a tenth of each, quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports .venv/bin/python bench/reports.py

The data set (20 stores in 4 regions, 8 salespeople each; customers, communications, appointments,
follow-up plans, orders with their cars, complaints, return visits, leads, cars in stock, releases to the
pool, spread over the two years before today) is generated inside the database
(``bench/reports_build.py``: INSERT ... SELECT, minutes at full size) once, into its own SQLite file
(var/bench/) or the PostgreSQL database of DATABASE_URL (create it empty first), and reused by later runs
at the same --scale (they migrate it, and recount the reports' kept figures once if a new kind is empty:
``portal.reports.daily``). Each report runs through ``portal.reports.measures`` (the scope layer included)
for an hq user and a store manager, over a random whole month of the last year (the forecast over its own
24 months, the stock now), and prints p50 and p95; so does the first page of each record list
(``portal.reports.lists``: deals, communications, visits booked).
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import django_in  # noqa: E402


def setup(scale: float) -> None:
    django_in(f"reports-v2-{scale:g}")


def build(scale: float, seed: int) -> None:
    from bench.reports_build import build as fill

    fill(scale, seed)
    _daily_figures()


def _daily_figures() -> None:
    """The communications per day, store and author and the customers each salesperson worked per month (and
    their counts): a bulk load goes around the models, so recount them (once; a reused data set keeps them)."""
    from django.db import transaction

    from portal.reports.daily import rebuild_counts, rebuild_days, rebuild_months
    from portal.reports.models import CommunicationDay, WorkedCount, WorkedMonth

    rebuilt = False
    for name, model, recount in (
        ("daily communication figures", CommunicationDay, rebuild_days),
        ("months worked (and their counts)", WorkedMonth, rebuild_months),
        ("counts of months worked", WorkedCount, rebuild_counts),
    ):
        if model.objects.exists():
            continue
        started = time.perf_counter()
        with transaction.atomic():
            written = recount(None, None)
        print(f"  {written:,} {name} in {time.perf_counter() - started:.0f} s", flush=True)
        rebuilt = True
    if rebuilt:
        _analyze()


def _analyze() -> None:
    """Fresh planner statistics (and PostgreSQL's visibility map, for index-only scans) after a recount."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE reports_communicationday")
            cursor.execute("ANALYZE reports_workedmonth")
            cursor.execute("ANALYZE reports_workedcount")
        else:
            for table in ("reports_communicationday", "reports_workedmonth", "reports_workedcount"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def timed(label: str, runs: int, call) -> dict[str, float]:
    samples = []
    for n in range(runs):
        began = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{label:<40} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   ({runs} runs)", flush=True)
    return {"p50": p50, "p95": p95}


def materialize(report) -> int:
    """Every row of every table (a generator's too), as the page and the downloads would read them."""
    return sum(1 for table in report.tables for _ in table.rows)


def run(runs: int, rng: random.Random, only: list[str]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import translation

    from portal.reports import lists, measures
    from portal.reports.dashboard import dashboard
    from portal.reports.window import add_months, month_end, month_start, today, window_for

    connection.close()
    translation.activate("zh-hans")
    users = get_user_model().objects
    viewers = {
        "hq": users.get(username="rb_hq"),
        "store manager": users.filter(username__startswith="rb_manager_").order_by("pk").first(),
    }
    this_month = month_start(today())
    months = [add_months(this_month, -k) for k in range(1, 13)]
    if connection.vendor == "sqlite":
        with open(connection.settings_dict["NAME"], "rb") as db_file:  # a serving database's warm page cache
            while db_file.read(16 << 20):
                pass
        print(f"SQLite {connection.Database.sqlite_version}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            print(f"PostgreSQL {cursor.fetchone()[0]}")
    slow = []
    for who, user in viewers.items():

        def window(n: int, user=user):
            month = months[n % len(months)]
            return window_for(user, {"start": month.isoformat(), "end": month_end(month).isoformat()})

        for name in [n for n in measures.REPORTS if not only or n in only]:

            def call(n: int, name=name) -> None:
                materialize(measures.run(name, window(n)))

            result = timed(f"{name} ({who})", runs, call)
            if result["p95"] >= 300:
                slow.append(f"{name} ({who})")
        timed(f"dashboard ({who})", runs, lambda n: dashboard(window(n)))
        for name, (_title, make) in lists.LISTS.items():
            timed(
                f"{name} list, first page ({who})",
                runs,
                lambda n, make=make: [
                    r
                    for _, r in zip(
                        range(lists.PAGE_ROWS + 1), make(window(n), paged=True).tables[0].rows, strict=False
                    )
                ],
            )
    print("every report p95 under 300 ms" if not slow else f"p95 at or over 300 ms: {', '.join(slow)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", nargs="*", default=[], help="report names to time (default: all)")
    args = parser.parse_args()
    setup(args.scale)
    build(args.scale, args.seed)
    run(args.runs, random.Random(args.seed + 1), args.only)


if __name__ == "__main__":
    main()
