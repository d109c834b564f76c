"""The pool reclaim sweep over a large customer book.

    .venv/bin/python bench/sweep.py [--customers 1000000] [--due 50000]

Builds a throw-away SQLite database (LotFlow's settings: WAL, synchronous
NORMAL) with that many customers, of which ``--due`` owned prospects have had
no contact for 31-50 days and as many again are in the warning window, then
times one reclaim sweep (candidates in SQL, the rules decide, one transaction
per chunk) and prints the time and the peak memory of the process.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


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
        row["home_store_id"] = stores[n % 3].pk
        batch.append([row[f.attname] for f in fields])
        if len(batch) == 20000:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch = []
    if batch:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=50_000)
    args = parser.parse_args()
    # Production settings with the suite's throwaway keys (the data is synthetic): tests/settings.py.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["LOTFLOW_DEBUG"] = "0"
    os.environ.pop("DATABASE_URL", None)
    os.environ["LOTFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="lotflow-sweep-")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    build(args.customers, args.due)
    print(
        f"built {args.customers} customers ({args.due} due, {args.due} in the warning window) "
        f"in {time.perf_counter() - began:.1f} s"
    )
    from portal.crm.automation.reclaim import sweep_reclaim

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    report = sweep_reclaim(now=NOW)
    elapsed = time.perf_counter() - began
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("database: SQLite file, WAL, synchronous=NORMAL")
    for line in report.lines():
        print(line)
    print(
        f"sweep time: {elapsed:.1f} s; peak RSS {rss_after / 1024:.0f} MB (before the sweep {rss_before / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
