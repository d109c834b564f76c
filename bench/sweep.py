"""The pool reclaim sweep over a large customer book, on SQLite or PostgreSQL, in one part or several.

    .venv/bin/python bench/sweep.py [--database sqlite|postgres] [--parts 1] [--customers 1000000] [--due 50000]
        [--rebuild] [--profile FILE]

The book: that many customers, of which ``--due`` owned prospects have had no
contact for 31-50 days and as many again are in the warning window (25-29
days); of the rest a third bought long ago, a third were contacted lately and a
third are in a pool. It is built once and kept as a template (SQLite: a file in
var/bench/sweep; PostgreSQL: a database ``<DATABASE_URL's name>_sweep_template``
on DATABASE_URL's server); each run sweeps a fresh copy (``<name>_sweep``),
migrated and analyzed before the clock starts. ``--rebuild`` builds it again.

One part: the whole sweep in this process (``sweep_reclaim``: owned prospects
read in chunks by id, the rules asked once per distinct combination of the
fields they read, each chunk's decisions applied in one transaction under a
guard). ``--parts N``: N separate OS processes, each sweeping its share of the
ids (``id % N``) at the same ``now``, as N workers do. It prints the time (for N
parts, from the start of the first to the end of the last), the decisions
applied (counted in the database afterwards: owner history rows, open warnings)
and the peak memory of the sweeping process(es).

It also prints the CPU the sweep used (its processes, and their PostgreSQL
backends read from /proc): the steadier figure on a busy machine.

Figures of 6 December 2026 on the 2-core development machine while other jobs
ran (the load average, ``uptime``'s one-minute figure at the start and end of
each run, in the last column: wall times are several times what the machine
gives one job alone, so compare the CPU), 1,000,000 customers, 50,000
reclaimed and 39,990 warned (those silent exactly 25 days are not yet due);
"before" is the code of main before this work, on the same copies in the same
hour (it used 18.9-20.3 s of CPU on SQLite and 23.3 + 9.3 s on PostgreSQL on
5 December, under a load of 21-26):

    command                                   wall s   sweep CPU s (+ PostgreSQL backend)   load
    before: --database sqlite                   58.6   16.7                                 6.9
    before: --database sqlite                   58.4   17.7                                 7.9
    before: --database sqlite                   58.5   16.3                                 7.3-9.6
    --database sqlite                           31.3   12.5                                 6.7
    --database sqlite                           20.8   10.7                                 9.6-8.6
    --database sqlite --parts 2                 38.3   11.8 (5.9 + 5.8)                     8.4
    before: --database postgres                 65.6   16.8 + 6.7                           5.8-7.5
    before: --database postgres                 67.8   16.9 + 6.6                           5.5-6.6
    --database postgres                         48.6   11.0 + 7.5                           4.6-5.5
    --database postgres --parts 2               32.8   10.6 + 13.8 (each part 5.3 + 6.9)    5.5

The same commands later that night with nothing else running (quiet):

    --database sqlite                            9.4    9.1                                 0.8
    --database sqlite                            9.7    (not printed by that run)           1.3
    --database sqlite --parts 2                  7.5    9.3 (both parts)                    1.3
    --database postgres                         13.5    8.2 + 5.9                           0.8
    --database postgres                         13.3    (not printed by that run)           1.3
    --database postgres --parts 2               18.0    8.2 + 12.1 (both parts)             1.4

(PostgreSQL runs: DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME.) The
engine's ``create_items`` now writes a batch of warnings and their audit rows
with a few statements (SQLite: one multi-row INSERT per 500 items and one for
their audit rows; PostgreSQL: one statement, the columns as binary arrays)
instead of the ORM's bulk_create, and the recorded facts are encoded without a
key object per value. On the quiet machine one part takes 9-10 s on SQLite
and 13-14 s on PostgreSQL, under the issue's 15 s. What is left on SQLite, CPU measured per function:
returning 50,000 prospects to the pool 3.4 s (the database updates five indexes
that hold the owner), reading the chunks 1.7 s, recording the facts 1.4 s,
creating the warnings 1.2 s, building the facts 1.2 s; ``--profile FILE`` shows
it (the profiler inflates the many small calls). Each part scans the whole id
order for its share, so the PostgreSQL backends of two parts work about twice
as long in total as one part's.
"""

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
FOLDER = ROOT / "var" / "bench" / "sweep"


def build(customers: int, due: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from portal.crm.models import Customer, Staff, StaffRole, Store
    from portal.crm.models.choices import Stage

    stores = [Store.objects.create(name=f"Store {n}", region="East" if n % 2 else "North") for n in range(3)]
    users = []
    for n in range(120):
        user = get_user_model().objects.create(username=f"sales{n}")
        StaffRole.objects.create(staff=Staff.objects.create(user=user, store=stores[n % 3]), role="sales")
        users.append(user)
    template = Customer(name="x", home_store=stores[0], created_at=NOW)
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {Customer._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    base = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    rng = random.Random(7)
    when = connection.ops.adapt_datetimefield_value
    batch = []
    for n in range(customers):
        row = dict(base)
        row["name"] = row["name_key"] = f"customer {n}"
        user = users[n % len(users)]
        if n < due:  # due for reclaim
            row["owner_id"], row["last_contact_at"] = user.pk, when(NOW - timedelta(days=rng.randint(31, 50)))
        elif n < 2 * due:  # in the warning window
            row["owner_id"], row["last_contact_at"] = user.pk, when(NOW - timedelta(days=rng.randint(25, 29)))
        elif n % 3 == 0:  # a customer who bought long ago: stays with the salesperson
            row["owner_id"], row["stage"] = user.pk, Stage.CUSTOMER.value
            row["last_contact_at"] = when(NOW - timedelta(days=rng.randint(100, 900)))
        elif n % 3 == 1:  # owned and contacted lately
            row["owner_id"], row["last_contact_at"] = user.pk, when(NOW - timedelta(days=rng.randint(0, 24)))
        else:  # in a pool
            row["owner_id"], row["last_contact_at"] = None, None
            row["pooled_at"] = when(NOW - timedelta(days=400))
        row["home_store_id"] = stores[n % 3].pk
        batch.append([row[f.attname] for f in fields])
        if len(batch) == 20000:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch = []
    if batch:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)


def _configure(database: str, customers: int, due: int, rebuild: bool) -> tuple[str, bool]:
    """Point Django at a fresh copy of the template (True if the template must be built first)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["LOTFLOW_DEBUG"] = "0"  # as in production: DEBUG records every query
    os.environ.pop("REDIS_URL", None)
    FOLDER.mkdir(parents=True, exist_ok=True)
    os.environ["LOTFLOW_VAR_DIR"] = str(FOLDER)
    if database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        template = FOLDER / f"template-{customers}-{due}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{FOLDER / 'lotflow.sqlite3'}{suffix}").unlink(missing_ok=True)
        if template.exists() and not rebuild:
            shutil.copyfile(template, FOLDER / "lotflow.sqlite3")
            return "SQLite file, WAL, synchronous=NORMAL, IMMEDIATE transactions", False
        return "SQLite file, WAL, synchronous=NORMAL, IMMEDIATE transactions", True
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "--database postgres needs DATABASE_URL=postgres://USER@HOST:PORT/NAME (its server; NAME names the copies)"
        )
    base, _, name = url.rpartition("/")
    template, copy = f"{name}_sweep_template_{customers}_{due}", f"{name}_sweep"
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        if exists and not rebuild:
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}"')
            conn.execute(f'CREATE DATABASE "{copy}"')
    os.environ["DATABASE_URL"] = f"{base}/{copy}"
    os.environ["LOTFLOW_BENCH_TEMPLATE"] = f"{base}/{template}"
    return "PostgreSQL, default durability (synchronous_commit on), READ COMMITTED", not exists or rebuild


def _keep_template(database: str, customers: int, due: int) -> None:
    from django.db import connection

    if database == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.copyfile(FOLDER / "lotflow.sqlite3", FOLDER / f"template-{customers}-{due}.sqlite3")
        return
    import psycopg

    connection.close()
    template = os.environ["LOTFLOW_BENCH_TEMPLATE"]
    base, _, template_name = template.rpartition("/")
    copy = os.environ["DATABASE_URL"].rpartition("/")[2]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{template_name}" TEMPLATE "{copy}"')


def _cpu() -> float:
    """CPU seconds this process has used."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _backend_cpu() -> float:
    """CPU seconds the PostgreSQL backend of this process's connection has used (0 on SQLite, which runs in
    the process; nan if the server is not on this machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _part(part: int, parts: int, queue: "multiprocessing.Queue[tuple[int, dict, float, float]]") -> None:
    """One worker's share, in its own process with its own connection."""
    from django.db import connections

    connections.close_all()  # the parent's connection is not this process's
    from portal.crm.automation.reclaim import sweep_reclaim

    cpu, backend = _cpu(), _backend_cpu()
    report = sweep_reclaim(now=NOW, part=(part, parts))
    queue.put((part, dict(report.actions), _cpu() - cpu, _backend_cpu() - backend))


def _decided() -> dict[str, int]:
    from engine.api import ItemStatus, WorkItem
    from portal.crm.models import ChangeRecord, Customer

    return {
        "owner history rows": ChangeRecord.objects.filter(entity="customer", field="owner").count(),
        "distinct prospects reclaimed": ChangeRecord.objects.filter(entity="customer", field="owner")
        .values("entity_id")
        .distinct()
        .count(),
        "reclaimed with pooled_at set": Customer.objects.filter(owner__isnull=True, pooled_at=NOW).count(),
        "open warnings": WorkItem.objects.filter(kind="warning", status=ItemStatus.OPEN).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--parts", type=int, default=1, help="sweep in this many processes at once")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=50_000)
    parser.add_argument("--rebuild", action="store_true", help="build the book again")
    parser.add_argument("--profile", help="write a cProfile of a one-part sweep to this file")
    args = parser.parse_args()
    described, must_build = _configure(args.database, args.customers, args.due, args.rebuild)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    if must_build:
        began = time.perf_counter()
        build(args.customers, args.due)
        print(
            f"built {args.customers} customers ({args.due} due, {args.due} in the warning window) "
            f"in {time.perf_counter() - began:.1f} s; kept as the template"
        )
        _keep_template(args.database, args.customers, args.due)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"database: {described}; {args.parts} part(s)")
    from portal.crm.automation.reclaim import sweep_reclaim

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.parts == 1:
        cpu, backend = _cpu(), _backend_cpu()
        began = time.perf_counter()
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            report = profiler.runcall(sweep_reclaim, now=NOW)
            profiler.dump_stats(args.profile)
        else:
            report = sweep_reclaim(now=NOW)
        elapsed = time.perf_counter() - began
        cpu, backend = _cpu() - cpu, _backend_cpu() - backend
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for line in report.lines():
            print(line)
    else:
        connection.close()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        began = time.perf_counter()
        workers = [context.Process(target=_part, args=(k, args.parts, queue)) for k in range(args.parts)]
        for worker in workers:
            worker.start()
        results = sorted(queue.get() for _ in workers)
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cpu, backend = sum(r[2] for r in results), sum(r[3] for r in results)
        for part, actions, part_cpu, part_backend in results:
            done = ", ".join(f"{k} {v}" for k, v in sorted(actions.items()))
            print(f"  part {part + 1}/{args.parts}: {done}; CPU {part_cpu:.1f} s + backend {part_backend:.1f} s")
    for what, count in _decided().items():
        print(f"  {what}: {count}")
    # On a busy machine the wall time counts other jobs' turns too: the sweep's own CPU is the steadier figure.
    print(f"sweep CPU: {cpu:.1f} s in the sweeping process(es) + {backend:.1f} s in their PostgreSQL backends")
    print(
        f"sweep time: {elapsed:.1f} s; peak RSS of a sweeping process {peak / 1024:.0f} MB "
        f"(this process before the sweep {rss_before / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
