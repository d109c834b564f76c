"""Customer and vehicle search at scale: builds N customers (default 1,000,000) and times the searches.

    .venv/bin/python bench/search.py                 # 1,000,000 customers, 200 queries per kind
    .venv/bin/python bench/search.py --rows 100000   # quicker

The data set lives in its own SQLite file (var/bench/, same settings as the app:
WAL, synchronous NORMAL) and is reused by later runs with the same --rows. Every
query goes through the real selectors (portal.crm.selectors) with the scope of
an hq user and of a salesperson, and fetches the first page (50 rows).
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

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国俊峰宇浩凯婷雪琳晨欣怡思雨佳嘉"
LATIN = ["Anna", "Ben", "Chris", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack", "Kate", "Leo"]
PROVINCES = "沪京苏浙粤川鲁豫鄂湘"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
BRANDS = [
    ("Toyota", ["Camry", "Corolla", "RAV4"]),
    ("Honda", ["Accord", "Civic", "CR-V"]),
    ("Volkswagen", ["Passat", "Tiguan", "Lavida"]),
    ("BYD", ["Han", "Tang", "Song"]),
    ("BMW", ["3 Series", "X3", "5 Series"]),
]


def setup(rows: int) -> None:
    bench_dir = ROOT / "var" / "bench" / f"search-{rows}"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LOTFLOW_VAR_DIR"] = str(bench_dir)
    # Production settings with the suite's throwaway keys (the data is synthetic): tests/settings.py.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)  # the benchmark measures the embedded SQLite set-up
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(rows: int, rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.crm.identifiers import phone_hash, vin_check_digit
    from portal.crm.models import Customer, Role, Staff, StaffRole, Store, Vehicle
    from portal.crm.names import name_keys

    have = Customer.objects.count()
    if have >= rows:
        print(f"reusing {have:,} customers in {connection.settings_dict['NAME']}")
        return
    print(f"building {rows:,} customers ...", flush=True)
    started = time.perf_counter()
    stores = [
        Store.objects.get_or_create(name=n, defaults={"region": r})[0]
        for n, r in (("Pudong", "East"), ("West Lake", "East"), ("Tianhe", "South"))
    ]
    users = get_user_model().objects
    sales: list[tuple[int, int]] = []
    for store in stores:
        for n in range(10):
            user, _ = users.get_or_create(username=f"bench_{store.pk}_{n}")
            staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
            StaffRole.objects.get_or_create(staff=staff, role=Role.SALES)
            sales.append((user.pk, store.pk))
    hq, _ = users.get_or_create(username="bench_hq")
    staff, _ = Staff.objects.get_or_create(user=hq)
    StaffRole.objects.get_or_create(staff=staff, role=Role.HQ, defaults={"group_wide": True})

    now = timezone.now()
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")  # building only; queries run with the app's settings
    customer_sql = (
        "INSERT INTO crm_customer (id, name, name_key, name_pinyin, name_initials, gender, email, wechat_id, "
        "address, id_number, source, sub_channel, intent_level, vehicle_type, brands, budget_min, budget_max, use, "
        "stage, home_store_id, owner_id, last_contact_at, created_at, score, score_reasons) "
        "VALUES (%s,%s,%s,%s,%s,'unspecified','','','','',%s,'',%s,%s,'',%s,%s,%s,%s,%s,%s,%s,%s,0,'[]')"
    )
    phone_sql = (
        'INSERT INTO crm_customerphone (customer_id, number, number_hash, last4, "primary") VALUES (%s,%s,%s,%s,%s)'
    )
    vehicle_sql = (
        "INSERT INTO crm_vehicle (vin, engine_number, plate, brand, model, vehicle_type, year, colour, mileage, "
        "configuration, asking_price, store_id, status, customer_id, created_at) "
        "VALUES (%s,'',%s,%s,%s,%s,%s,'',%s,'',%s,%s,%s,%s,%s)"
    )
    sources = ["website", "social_media", "marketplace", "walk_in", "car_show", "referral"]
    batch = 20000
    for start in range(have + 1, rows + 1, batch):
        customers, phones, vehicles = [], [], []
        for pk in range(start, min(start + batch, rows + 1)):
            if rng.random() < 0.15:
                name = f"{rng.choice(LATIN)} {rng.choice(['Wang', 'Li', 'Zhang', 'Chen', 'Liu'])}"
            else:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            key, pinyin, initials = name_keys(name)
            owner, store = rng.choice(sales)
            pooled = rng.random() < 0.35
            stage = "prospect" if pooled or rng.random() < 0.8 else "customer"
            budget_min = rng.choice([50000, 80000, 100000, 150000, 200000])
            contact = now - timedelta(days=rng.randrange(0, 365), seconds=rng.randrange(86400))
            intent = rng.choice(["high", "medium", "low"])
            customers.append(
                (
                    pk,
                    name,
                    key,
                    pinyin,
                    initials,
                    rng.choice(sources),
                    intent,
                    rng.choice(["sedan", "suv", "mpv"]),
                    budget_min,
                    budget_min + rng.choice([50000, 100000]),
                    rng.choice(["personal", "business", "investment"]),
                    stage,
                    store,
                    None if pooled else owner,
                    contact,
                    now,
                )
            )
            number = f"1{rng.choice('3456789')}{pk:09d}"
            phones.append((pk, number, phone_hash(number), number[-4:], True))
            if stage == "customer" or rng.random() < 0.05:
                brand, models = rng.choice(BRANDS)
                body = f"LSV{pk:06d}0AB{pk % 100000:05d}"[:17]
                body = body[:8] + "0" + body[9:]
                vin = body[:8] + vin_check_digit(body) + body[9:]
                plate = rng.choice(PROVINCES) + rng.choice(PLATE_LETTERS) + f"{pk % 100000:05d}"
                vehicles.append(
                    (
                        vin,
                        plate,
                        brand,
                        rng.choice(models),
                        "sedan",
                        rng.randrange(2012, 2025),
                        rng.randrange(1000, 150000),
                        rng.randrange(40000, 400000),
                        store,
                        "sold",
                        pk,
                        now,
                    )
                )
        with transaction.atomic():
            cursor.executemany(customer_sql, customers)
            cursor.executemany(phone_sql, phones)
            cursor.executemany(vehicle_sql, vehicles)
        done = min(start + batch - 1, rows)
        if done % 200000 < batch:
            print(f"  {done:,} customers ({time.perf_counter() - started:.0f} s)", flush=True)
    cursor.execute("ANALYZE")
    cursor.execute("PRAGMA synchronous=NORMAL")
    print(f"built in {time.perf_counter() - started:.0f} s; {Vehicle.objects.count():,} vehicles")


def timed(label: str, runs: list[tuple[str, object]], fetch) -> dict[str, float]:
    samples = []
    for _, arg in runs:
        began = time.perf_counter()
        fetch(arg)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{label:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({len(samples)} queries)")
    return {"p50": p50, "p95": p95}


def run(queries: int, rng: random.Random, *, warm: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from portal.crm.models import Customer, CustomerPhone, Vehicle
    from portal.crm.selectors import CustomerFilter, customer_filter, customer_search

    connection.close()  # reopen with the app's own settings (WAL, synchronous NORMAL)
    if warm:
        # A serving database has its working set in the OS page cache; read the file once so the
        # figures measure the queries, not the first disk reads (--cold skips this).
        with open(connection.settings_dict["NAME"], "rb") as db_file:
            while db_file.read(16 << 20):
                pass
    users = get_user_model().objects
    hq = users.get(username="bench_hq")
    salesperson = (
        users.get(username="bench_1_0")
        if users.filter(username="bench_1_0").exists()
        else users.filter(username__startswith="bench_").exclude(username="bench_hq").first()
    )
    top = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    picks = [rng.randrange(1, top + 1) for _ in range(queries)]
    phones = dict(CustomerPhone.objects.filter(customer_id__in=picks).values_list("customer_id", "number"))
    names = dict(Customer.objects.filter(pk__in=picks).values_list("pk", "name"))
    plates = list(Vehicle.objects.order_by("?").values_list("plate", flat=True)[:queries])
    now = timezone.now()

    def search_as(user):
        return lambda q: list(customer_search(user, q)[:50])

    print(
        f"SQLite {connection.Database.sqlite_version} (WAL, synchronous NORMAL, default cache_size); "
        f"{top:,} customers; {'warm' if warm else 'cold'} OS cache; first page of 50 rows per query"
    )
    for who, user in (("hq", hq), ("salesperson", salesperson)):
        timed(f"phone, full number ({who})", [("", phones[p]) for p in picks if p in phones], search_as(user))
        timed(f"phone, last four digits ({who})", [("", phones[p][-4:]) for p in picks if p in phones], search_as(user))
        timed(f"plate ({who})", [("", p) for p in plates], search_as(user))
        timed(
            f"partial name, first 2 characters ({who})",
            [("", names[p][:2]) for p in picks if p in names],
            search_as(user),
        )

        def combined(days, user=user):
            criteria = CustomerFilter(
                contact_from=now - timedelta(days=days),
                budget_min=100000,
                budget_max=200000,
                use="personal",
                intent_level="high",
                stage="prospect",
            )
            return list(customer_filter(user, criteria)[:50])

        timed(f"combined filter ({who})", [("", rng.choice([7, 30, 90])) for _ in range(queries)], combined)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cold", action="store_true", help="do not read the database file into the OS cache first")
    args = parser.parse_args()
    setup(args.rows)
    build(args.rows, random.Random(args.seed))
    run(args.queries, random.Random(args.seed + 1), warm=not args.cold)


if __name__ == "__main__":
    main()
