"""The inbox page at scale: 100,000 open and 1,000,000 finished work items, the page timed for three people.

    .venv/bin/python bench/inbox.py                      # 100,000 open, 1,000,000 finished
    .venv/bin/python bench/inbox.py --scale 0.1          # a tenth
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_inbox .venv/bin/python bench/inbox.py

Work items of six processes (three to five steps each) and standalone reminders in 20 stores, for the
roles sales, store_manager, finance and hq; three in ten open items assigned to a salesperson of their
store. Built once into var/bench/ (SQLite) or the DATABASE_URL database and reused. The whole page (the
signed-in request through middleware, selectors and template) is timed with Django's test client for a
salesperson, a store manager and hq: the first page, a filtered page (a process, overdue) and the page
after a keyset cursor; p50 and p95 of each.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import django_in  # noqa: E402

OPEN, DONE = 100_000, 1_000_000
STORES = 20
SALES_PER_STORE = 8
PROCESSES = {
    "lead_to_cash": ["qualify", "visit", "offer", "contract", "deliver"],
    "follow_up": ["call", "visit", "decide"],
    "vehicle_transfer": ["approve", "ship", "receive"],
    "order_change": ["review", "approve", "apply"],
    "complaint": ["acknowledge", "investigate", "resolve", "visit"],
    "acquisition": ["appraise", "approve", "buy"],
}
ROLES = ["sales"] * 12 + ["store_manager"] * 4 + ["finance"] * 3 + ["hq"]


def setup(scale: float) -> None:
    django_in(f"inbox-v1-{scale:g}")


def people() -> tuple[list, dict[int, list[int]], dict[str, object]]:
    from django.contrib.auth import get_user_model

    from portal.crm.models import Role, Staff, StaffRole, Store

    users = get_user_model().objects
    stores = [Store.objects.get_or_create(name=f"门店{n:02d}", defaults={"region": "华东"})[0] for n in range(STORES)]
    sales: dict[int, list[int]] = {}
    for store in stores:
        for n in range(SALES_PER_STORE):
            user, _ = users.get_or_create(username=f"ib_{store.pk}_{n}")
            staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
            StaffRole.objects.get_or_create(staff=staff, role=Role.SALES)
            sales.setdefault(store.pk, []).append(user.pk)
        user, _ = users.get_or_create(username=f"ib_manager_{store.pk}")
        staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
        StaffRole.objects.get_or_create(staff=staff, role=Role.STORE_MANAGER)
    hq, _ = users.get_or_create(username="ib_hq")
    staff, _ = Staff.objects.get_or_create(user=hq)
    StaffRole.objects.get_or_create(staff=staff, role=Role.HQ, defaults={"group_wide": True})
    viewers = {
        "salesperson": users.get(username=f"ib_{stores[0].pk}_0"),
        "store manager": users.get(username=f"ib_manager_{stores[0].pk}"),
        "hq": hq,
    }
    return stores, sales, viewers


def build(scale: float, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from engine.models import WorkItem

    stores, sales, _viewers = people()
    n_open, n_done = int(OPEN * scale), int(DONE * scale)
    if WorkItem.objects.count() >= n_open + n_done:
        print(f"reusing the work items in {connection.settings_dict['NAME']}")
        return
    print(f"building {n_open:,} open and {n_done:,} finished work items ...", flush=True)
    started = time.perf_counter()
    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value
    cursor = connection.cursor()
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA synchronous=OFF")
    columns = (
        "id, task_id, element_id, kind, title, process_id, role, store_id, assignee_id, claimed, excluded, form, "
        'instructions, "values", texts, subject_label, subject_ref, due_at, priority, status, created_at, '
        "completed_at"
    )
    sql = f"INSERT INTO engine_workitem ({columns}) VALUES ({','.join(['%s'] * 22)})"
    total = n_open + n_done
    for start in range(0, total, 20_000):
        rows = []
        for pk in range(start + 1, min(start + 20_000, total) + 1):
            is_open = pk <= n_open
            store = rng.choice(stores).pk
            role = rng.choice(ROLES)
            standalone = rng.random() < 0.15
            process = "" if standalone else rng.choice(list(PROCESSES))
            element = "" if standalone else rng.choice(PROCESSES[process])
            assignee = rng.choice(sales[store]) if role == "sales" and rng.random() < 0.4 else None
            created = now - timedelta(days=rng.random() * (30 if is_open else 700))
            due = created + timedelta(days=rng.choice([1, 2, 3, 7])) if rng.random() < 0.85 else None
            customer = rng.randrange(1, 1_000_000)
            rows.append(
                (
                    pk,
                    "",
                    element,
                    "reminder" if standalone else "task",
                    f"{element or 'reminder'} {pk}",
                    process,
                    role,
                    None if role == "hq" else store,
                    assignee,
                    assignee is not None,
                    "[]",
                    "",
                    "",
                    "{}",
                    "{}",
                    f"客户{customer}",
                    f"customer:{customer}",
                    when(due) if due else None,
                    rng.randrange(1, 6),
                    "open" if is_open else "done",
                    when(created),
                    None if is_open else when(created + timedelta(hours=rng.random() * 72)),
                )
            )
        with transaction.atomic():
            cursor.executemany(sql, rows)
        if (start // 20_000) % 10 == 0:
            print(f"  {min(start + 20_000, total):,} ({time.perf_counter() - started:.0f} s)", flush=True)
    cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA synchronous=NORMAL")
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def timed(label: str, runs: int, call) -> dict[str, float]:
    """Wall time, and this process's CPU time: steadier on a busy machine (the page's Python, and on SQLite
    its queries too; PostgreSQL's side of a query is not in it)."""
    samples, cpu = [], []
    for n in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        call(n)
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    samples.sort()
    cpu.sort()
    p50 = statistics.median(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    cpu_p50, cpu_p95 = statistics.median(cpu), cpu[max(0, int(len(cpu) * 0.95) - 1)]
    print(
        f"{label:<40} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms   CPU p50 {cpu_p50:5.1f} ms  p95 {cpu_p95:5.1f} ms"
        f"   ({runs} pages)",
        flush=True,
    )
    return {"p50": p50, "p95": p95}


def run(runs: int) -> None:
    import re

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host
    _stores, _sales, viewers = people()
    connection.close()
    if connection.vendor == "sqlite":
        with open(connection.settings_dict["NAME"], "rb") as db_file:
            while db_file.read(16 << 20):
                pass
        print(f"SQLite {connection.Database.sqlite_version}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            print(f"PostgreSQL {cursor.fetchone()[0]}")
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    slow = []
    for who, user in viewers.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        first = client.get("/")
        assert first.status_code == 200, first.status_code
        cursor_match = re.search(r"(mine|claimable)_after=([^\"&]+)", first.content.decode())
        pages = {
            "first page": {},
            "one process, overdue": {"process": "follow_up", "due": "overdue"},
            "a subject": {"subject": "客户12"},
        }
        if cursor_match:
            from urllib.parse import unquote

            pages["the next page (keyset)"] = {f"{cursor_match.group(1)}_after": unquote(cursor_match.group(2))}
        for label, params in pages.items():
            result = timed(f"{label} ({who})", runs, lambda n, params=params, client=client: client.get("/", params))
            if result["p95"] >= 50:
                slow.append(f"{label} ({who})")
    print("every inbox page p95 under 50 ms" if not slow else f"p95 at or over 50 ms: {', '.join(slow)}")
    print("load average at the end: {:.2f} {:.2f} {:.2f} (read wall times with it)".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    setup(args.scale)
    build(args.scale, random.Random(args.seed))
    run(args.runs)


if __name__ == "__main__":
    main()
