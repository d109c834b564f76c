"""The reports at a dealer group's size: builds two years of records and times every report.

    .venv/bin/python bench/reports.py                    # 1,000,000 customers, 5,000,000 communications, ...
    .venv/bin/python bench/reports.py --scale 0.1        # a tenth of each, quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports .venv/bin/python bench/reports.py

The data set (20 stores in 4 regions, 8 salespeople each; customers, communications, appointments,
follow-up plans, orders with their cars, complaints, return visits, leads, cars in stock, spread over the
two years before today) is built once into its own SQLite file (var/bench/) or the PostgreSQL database of
DATABASE_URL (create it empty first) and reused by later runs at the same --scale (they migrate it, and
recount the reports' kept figures once if a new kind is empty: ``portal.reports.daily``). Each report runs
through ``portal.reports.measures`` (the scope layer included) for an hq user and a store manager, over a
random whole month of the last year (the forecast over its own 24 months, the stock now), and prints p50
and p95.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import django_in  # noqa: E402

SIZES = {
    "customers": 1_000_000,
    "communications": 5_000_000,
    "orders": 200_000,
    "complaints": 50_000,
    "appointments": 400_000,
    "follow_ups": 300_000,
    "return_visits": 100_000,
    "leads": 300_000,
    "stock": 20_000,
}
STORES = 20
SALES_PER_STORE = 8
DAYS = 730
BATCH = 20_000
CATEGORIES = ["Delivery late", "Car condition", "Paperwork", "Service attitude", "Price", "Financing"]


def setup(scale: float) -> None:
    django_in(f"reports-v1-{scale:g}")


def _people() -> tuple[list, list[tuple[int, int]], dict[int, int]]:
    """The stores, (salesperson id, store id) pairs, and each store's manager."""
    from django.contrib.auth import get_user_model

    from portal.crm.models import Role, Staff, StaffRole, Store

    users = get_user_model().objects
    stores = [
        Store.objects.get_or_create(name=f"门店{n:02d}", defaults={"region": ["华东", "华南", "华北", "西南"][n % 4]})[
            0
        ]
        for n in range(STORES)
    ]
    sales, managers = [], {}
    for store in stores:
        for n in range(SALES_PER_STORE):
            user, _ = users.get_or_create(username=f"rb_{store.pk}_{n}")
            staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
            StaffRole.objects.get_or_create(staff=staff, role=Role.SALES)
            sales.append((user.pk, store.pk))
        user, _ = users.get_or_create(username=f"rb_manager_{store.pk}")
        staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
        StaffRole.objects.get_or_create(staff=staff, role=Role.STORE_MANAGER)
        managers[store.pk] = user.pk
    hq, _ = users.get_or_create(username="rb_hq")
    staff, _ = Staff.objects.get_or_create(user=hq)
    StaffRole.objects.get_or_create(staff=staff, role=Role.HQ, defaults={"group_wide": True})
    return stores, sales, managers


def build(scale: float, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.crm.brands import BRANDS
    from portal.crm.models import Customer

    sizes = {k: max(1, int(v * scale)) for k, v in SIZES.items()}
    stores, sales, _managers = _people()
    if Customer.objects.count() >= sizes["customers"]:
        print(f"reusing the data set in {connection.settings_dict['NAME']}")
        _daily_figures()
        return
    print("building: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()), flush=True)
    started = time.perf_counter()
    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value
    cursor = connection.cursor()
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        cursor.execute("PRAGMA synchronous=OFF")

    def moment(days_back: float | None = None):
        back = rng.random() * DAYS if days_back is None else days_back
        return now - timedelta(days=back)

    def insert(table: str, columns: str, rows: list[tuple]) -> None:
        marks = ",".join(["%s"] * len(rows[0]))
        with transaction.atomic():
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def batches(total: int, make) -> None:
        for start in range(0, total, BATCH):
            make(range(start, min(start + BATCH, total)))

    sources = ["website", "social_media", "marketplace", "walk_in", "car_show", "referral"]
    created: list[float] = []  # each customer's age in days, so later records follow it
    owner_of: list[tuple[int, int]] = []

    def customers(block: range) -> None:
        rows = []
        for pk in block:
            owner, store = rng.choice(sales)
            back = rng.random() * DAYS
            created.append(back)
            pooled = rng.random() < 0.3
            owner_of.append((None if pooled else owner, store))
            rows.append(
                (
                    pk + 1,
                    f"客户{pk}",
                    f"客户{pk}",
                    "",
                    "",
                    "unspecified",
                    "",
                    "",
                    "",
                    "",
                    rng.choice(sources),
                    "",
                    rng.choice(["high", "medium", "low"]),
                    "sedan",
                    "",
                    None,
                    None,
                    rng.choice(["personal", "business"]),
                    "prospect",
                    store,
                    None if pooled else owner,
                    None,
                    when(moment(back)),
                    0,
                    "[]",
                )
            )
        insert(
            "crm_customer",
            "id, name, name_key, name_pinyin, name_initials, gender, email, wechat_id, address, id_number, source, "
            "sub_channel, intent_level, vehicle_type, brands, budget_min, budget_max, use, stage, home_store_id, "
            "owner_id, last_contact_at, created_at, score, score_reasons",
            rows,
        )

    batches(sizes["customers"], customers)
    print(f"  customers ({time.perf_counter() - started:.0f} s)", flush=True)
    n_customers = sizes["customers"]

    def pick_customer() -> tuple[int, int, int, float]:
        """(customer id, owner or a salesperson of its store, store, days back of a moment after it came)."""
        index = rng.randrange(n_customers)
        owner, store = owner_of[index]
        if owner is None:
            owner = sales[(store * 7 + index) % len(sales)][0]
        return index + 1, owner, store, rng.random() * created[index]

    def communications(block: range) -> None:
        rows = []
        for _ in block:
            customer, author, _store, back = pick_customer()
            rows.append((customer, author, "phone", when(moment(back)), "通话", "interested"))
        insert("crm_communication", "customer_id, author_id, channel, at, content, outcome", rows)

    batches(sizes["communications"], communications)
    print(f"  communications ({time.perf_counter() - started:.0f} s)", flush=True)

    def appointments(block: range) -> None:
        rows = []
        for _ in block:
            customer, author, store, back = pick_customer()
            kind = rng.choice(["visit", "test_drive", "visit", "service"])
            rows.append((kind, when(moment(back)), "", "", "", "", author, customer, store))
        insert(
            "crm_appointment",
            "kind, at, intended_model, intended_configuration, outcome, impressions, created_by_id, customer_id, "
            "store_id",
            rows,
        )

    batches(sizes["appointments"], appointments)

    def follow_ups(block: range) -> None:
        rows = []
        for _ in block:
            customer, owner, _store, back = pick_customer()
            due = moment(back)
            done = rng.random() < 0.8
            late = timedelta(hours=rng.choice([-2, 1, 30]))
            rows.append((when(due), "phone", "跟进", done, when(due + late) if done else None, customer, owner))
        insert("crm_followupplan", "due_at, method, purpose, done, done_at, customer_id, owner_id", rows)

    batches(sizes["follow_ups"], follow_ups)
    brands = list(BRANDS)
    vehicle_columns = (
        "vin, engine_number, plate, brand, model, vehicle_type, year, colour, mileage, configuration, asking_price, "
        "store_id, status, customer_id, created_at"
    )
    first_vehicle = (cursor.execute("SELECT COALESCE(MAX(id), 0) FROM crm_vehicle") or cursor).fetchone()[0]

    def orders(block: range) -> None:
        cars, rows = [], []
        for n in block:
            customer, seller, store, back = pick_customer()
            brand = rng.choice(brands)
            model = rng.choice(list(BRANDS[brand][1]))
            at = moment(back)
            cars.append(
                (
                    f"RB{n:015d}",
                    "",
                    "",
                    brand,
                    model,
                    "sedan",
                    2020,
                    "",
                    30000,
                    "",
                    150000,
                    store,
                    "sold",
                    customer,
                    when(at),
                )
            )
            status = rng.choices(["open", "paid", "delivered", "cancelled"], [1, 1, 6, 1])[0]
            rows.append(
                (
                    first_vehicle + n + 1,
                    customer,
                    store,
                    seller,
                    rng.randrange(50_000, 400_000),
                    "full",
                    0,
                    None,
                    "",
                    status,
                    when(at),
                )
            )
        insert("crm_vehicle", vehicle_columns, cars)
        insert(
            "crm_order",
            "vehicle_id, customer_id, store_id, salesperson_id, price, payment_plan, deposit, delivery_at, "
            "delivery_place, status, created_at",
            rows,
        )

    batches(sizes["orders"], orders)
    print(f"  orders ({time.perf_counter() - started:.0f} s)", flush=True)

    def complaints(block: range) -> None:
        rows = []
        for _ in block:
            customer, _owner, store, back = pick_customer()
            at = moment(back)
            status = rng.choices(["open", "in_progress", "resolved", "closed"], [1, 1, 3, 5])[0]
            rows.append(
                (
                    "phone",
                    rng.choice(CATEGORIES),
                    rng.choice(["low", "medium", "high", "critical"]),
                    "投诉",
                    when(at + timedelta(days=3)),
                    status,
                    "",
                    0,
                    rng.choice([None, 3, 4, 5]),
                    when(at),
                    customer,
                    store,
                )
            )
        insert(
            "crm_complaint",
            "channel, category, severity, description, deadline, status, resolution, compensation, "
            "satisfaction_score, created_at, customer_id, store_id",
            rows,
        )

    batches(sizes["complaints"], complaints)

    def return_visits(block: range) -> None:
        rows = []
        for _ in block:
            customer, owner, store, back = pick_customer()
            at = moment(back)
            rows.append(
                ("after_delivery", at.date(), when(at), rng.randrange(1, 6), "", "done", customer, owner, store)
            )
        insert(
            "crm_returnvisit",
            "kind, due, done_at, satisfaction_score, notes, status, customer_id, done_by_id, store_id",
            rows,
        )

    batches(sizes["return_visits"], return_visits)

    def leads(block: range) -> None:
        rows = []
        for _ in block:
            customer, _owner, store, back = pick_customer()
            rows.append((rng.choice(sources), "web_form", "{}", when(moment(back)), False, "[]", customer, store))
        insert(
            "crm_leadintake",
            "source, channel, received, received_at, merged, routing_reasons, customer_id, routed_store_id",
            rows,
        )

    batches(sizes["leads"], leads)

    def stock(block: range) -> None:
        rows = []
        for n in block:
            brand = rng.choice(brands)
            rows.append(
                (
                    f"RS{n:015d}",
                    "",
                    "",
                    brand,
                    rng.choice(list(BRANDS[brand][1])),
                    "sedan",
                    2020,
                    "",
                    30000,
                    "",
                    150000,
                    rng.choice(stores).pk,
                    rng.choice(["in_stock", "in_stock", "reserved"]),
                    None,
                    when(moment(rng.random() * 200)),
                )
            )
        insert("crm_vehicle", vehicle_columns, rows)

    batches(sizes["stock"], stock)
    cursor.execute("ANALYZE" if sqlite else "VACUUM ANALYZE")
    if sqlite:
        cursor.execute("PRAGMA synchronous=NORMAL")
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    _daily_figures()


def _daily_figures() -> None:
    """The communications per day, store and author and the customers each salesperson worked per month: a
    bulk load goes around the models, so recount them (once; a reused data set keeps them)."""
    from django.db import transaction

    from portal.reports.daily import rebuild_days, rebuild_months
    from portal.reports.models import CommunicationDay, WorkedMonth

    rebuilt = False
    for name, model, recount in (
        ("daily communication figures", CommunicationDay, rebuild_days),
        ("months worked", WorkedMonth, rebuild_months),
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
        else:
            for table in ("reports_communicationday", "reports_workedmonth"):
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

    from portal.reports import measures
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
            if name == "deals":
                continue  # a record list: its page reads 100 rows; its CSV streams (timed below)

            def call(n: int, name=name) -> None:
                materialize(measures.run(name, window(n)))

            result = timed(f"{name} ({who})", runs, call)
            if result["p95"] >= 300:
                slow.append(f"{name} ({who})")
        timed(f"dashboard ({who})", runs, lambda n: dashboard(window(n)))
        timed(
            f"deal list, first 100 rows ({who})",
            runs,
            lambda n: [r for _, r in zip(range(100), measures.deal_list(window(n)).tables[0].rows, strict=False)],
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
    build(args.scale, random.Random(args.seed))
    run(args.runs, random.Random(args.seed + 1), args.only)


if __name__ == "__main__":
    main()
