"""Customer and vehicle search at scale: builds N customers (default 1,000,000) and times the searches.

    .venv/bin/python bench/search.py                 # 1,000,000 customers, 200 queries per kind
    .venv/bin/python bench/search.py --rows 100000   # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/search.py

Without DATABASE_URL the data set lives in its own SQLite file (var/bench/, same settings
as the app: WAL, synchronous NORMAL); with it, in that PostgreSQL database (created by
migrate's test-free path: create the empty database first). Either is reused by later runs
with the same --rows. Every query goes through the real selectors (portal.crm.selectors)
with the scope of an hq user and of a salesperson, and fetches the first page (50 rows):
names by two characters and by one, full pinyin, initials, brand in Chinese and in English,
model in Chinese, a plate by 4 and by 5 characters, a phone by the full number and the last four,
an ID number whole. Phones and ID numbers are sealed and found by their keyed hashes (portal.crm.crypto), as
the app stores them.
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

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国俊峰宇浩凯婷雪琳晨欣怡思雨佳嘉"
LATIN = ["Anna", "Ben", "Chris", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack", "Kate", "Leo"]
PROVINCES = "沪京苏浙粤川鲁豫鄂湘"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def setup(rows: int) -> None:
    django_in(f"search-v3-{rows}")  # v3: personal values sealed, keyed hashes


def _bulk_terms(connection, rows: list[tuple[int, str]]) -> None:
    """Append search terms: COPY on PostgreSQL, executemany on SQLite (indexes are off meanwhile)."""
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy("COPY crm_searchterm (customer_id, term) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO crm_searchterm (customer_id, term) VALUES (%s, %s)", rows)


def _term_indexes(connection, *, drop: bool) -> None:
    """Drop the search table's indexes before the bulk load and build them once after: far faster."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if drop:
                cursor.execute("ALTER TABLE crm_searchterm DROP CONSTRAINT IF EXISTS searchterm_term_customer_uniq")
            else:
                cursor.execute(
                    "ALTER TABLE crm_searchterm ADD CONSTRAINT searchterm_term_customer_uniq UNIQUE (term, customer_id)"
                )
            return
        if drop:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE tbl_name='crm_searchterm' AND type='index' AND sql IS NOT NULL"
            )
            _term_indexes.saved = cursor.fetchall()
            for name, _ in _term_indexes.saved:
                cursor.execute(f'DROP INDEX "{name}"')
        else:
            for _, sql in getattr(_term_indexes, "saved", []):
                cursor.execute(sql)


def build(rows: int, rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.crm.brands import BRANDS
    from portal.crm.crypto import seal_text
    from portal.crm.identifiers import id_number_hash, phone_hash, vin_check_digit
    from portal.crm.models import Customer, Role, SearchTerm, Staff, StaffRole, Store, Vehicle
    from portal.crm.names import name_keys
    from portal.crm.search import customer_terms

    have = Customer.objects.count()
    if have >= rows:
        print(f"reusing {have:,} customers in {connection.settings_dict['NAME']}")
        return
    if have and not SearchTerm.objects.exists():
        # A data set built before the search index: rebuild it whole (drop the old customers).
        print("the cached data set predates the search index: rebuilding it", flush=True)
        Vehicle.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM crm_customerphone")
            cursor.execute("DELETE FROM crm_customer")
        have = 0
    print(f"building {rows:,} customers ...", flush=True)
    started = time.perf_counter()
    stores = [
        Store.objects.get_or_create(name=n, defaults={"region": r})[0]
        for n, r in (("上海浦东店", "华东"), ("杭州西湖店", "华东"), ("广州天河店", "华南"))
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
    sqlite = connection.vendor == "sqlite"
    cursor = connection.cursor()
    if sqlite:
        cursor.execute("PRAGMA synchronous=OFF")  # building only; queries run with the app's settings
    _term_indexes(connection, drop=True)
    customer_sql = (
        "INSERT INTO crm_customer (id, name, name_key, name_pinyin, name_initials, gender, email, wechat_id, "
        "address, id_number, id_number_hash, birthday_hash, source, sub_channel, intent_level, vehicle_type, "
        "brands, budget_min, budget_max, use, stage, home_store_id, owner_id, last_contact_at, created_at, score, "
        "score_reasons) "
        "VALUES (%s,%s,%s,%s,%s,'unspecified','','','',%s,%s,'',%s,'',%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,0,'[]')"
    )
    phone_sql = 'INSERT INTO crm_customerphone (customer_id, number, number_hash, "primary") VALUES (%s,%s,%s,%s)'
    vehicle_sql = (
        "INSERT INTO crm_vehicle (vin, engine_number, plate, brand, model, vehicle_type, year, colour, mileage, "
        "configuration, asking_price, store_id, status, customer_id, created_at) "
        "VALUES (%s,'',%s,%s,%s,%s,%s,'',%s,'',%s,%s,%s,%s,%s)"
    )
    sources = ["website", "social_media", "marketplace", "walk_in", "car_show", "referral"]
    brands = list(BRANDS)
    batch = 20000
    for start in range(have + 1, rows + 1, batch):
        customers, phones, vehicles, terms = [], [], [], []
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
            wanted = ", ".join(rng.sample(brands, rng.choice((0, 1, 1, 2))))
            id_number = f"{310101 + pk % 7:06d}19{pk % 90 + 10:02d}0101{pk % 10000:04d}"[:17] + "X"
            customers.append(
                (
                    pk,
                    name,
                    key,
                    pinyin,
                    initials,
                    seal_text(id_number, "crm.customer.id_number"),
                    id_number_hash(id_number),
                    rng.choice(sources),
                    intent,
                    rng.choice(["sedan", "suv", "mpv"]),
                    wanted,
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
            phones.append((pk, seal_text(number, "crm.customerphone.number"), phone_hash(number), True))
            cars = []
            if stage == "customer" or rng.random() < 0.05:
                brand = rng.choice(brands)
                model = rng.choice(list(BRANDS[brand][1]))
                body = f"LSV{pk:06d}0AB{pk % 100000:05d}"[:17]
                body = body[:8] + "0" + body[9:]
                vin = body[:8] + vin_check_digit(body) + body[9:]
                plate = rng.choice(PROVINCES) + rng.choice(PLATE_LETTERS) + f"{pk % 100000:05d}"
                cars.append((brand, model, plate))
                vehicles.append(
                    (
                        vin,
                        plate,
                        brand,
                        model,
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
            terms += [(pk, term) for term in customer_terms(name, wanted, cars, [number[-4:]])]
        with transaction.atomic():
            cursor.executemany(customer_sql, customers)
            cursor.executemany(phone_sql, phones)
            cursor.executemany(vehicle_sql, vehicles)
            _bulk_terms(connection, terms)
        done = min(start + batch - 1, rows)
        if done % 200000 < batch:
            print(f"  {done:,} customers ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"  indexing the search terms ({time.perf_counter() - started:.0f} s)", flush=True)
    _term_indexes(connection, drop=False)
    if sqlite:
        cursor.execute("ANALYZE")
    else:
        cursor.execute("VACUUM ANALYZE")  # the visibility map lets the index answer alone (index-only scans)
    if sqlite:
        cursor.execute("PRAGMA synchronous=NORMAL")
    print(
        f"built in {time.perf_counter() - started:.0f} s; {Vehicle.objects.count():,} vehicles, "
        f"{SearchTerm.objects.count():,} search terms"
    )


def timed(label: str, runs: list[tuple[str, object]], fetch) -> dict[str, float]:
    samples = []
    for _, arg in runs:
        began = time.perf_counter()
        fetch(arg)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{label:<48} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({len(samples)} queries)")
    return {"p50": p50, "p95": p95}


def run(queries: int, rng: random.Random, *, warm: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from portal.crm.brands import BRANDS
    from portal.crm.models import Customer, CustomerPhone, Vehicle
    from portal.crm.names import name_keys
    from portal.crm.selectors import CustomerFilter, customer_filter, customer_search

    connection.close()  # reopen with the app's own settings (WAL, synchronous NORMAL)
    sqlite = connection.vendor == "sqlite"
    if warm and sqlite:
        # A serving database has its working set in the OS page cache; read the file once so the
        # figures measure the queries, not the first disk reads (--cold skips this).
        with open(connection.settings_dict["NAME"], "rb") as db_file:
            while db_file.read(16 << 20):
                pass
    users = get_user_model().objects
    hq = users.get(username="bench_hq")
    salesperson = users.filter(username__startswith="bench_").exclude(username="bench_hq").order_by("pk").first()
    top = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    picks = [rng.randrange(1, top + 1) for _ in range(queries * 3)]
    phones = dict(CustomerPhone.objects.filter(customer_id__in=picks).values_list("customer_id", "number"))
    id_numbers = dict(Customer.objects.filter(pk__in=picks).values_list("pk", "id_number"))
    names = dict(Customer.objects.filter(pk__in=picks).values_list("pk", "name"))
    chinese = [names[p] for p in picks if p in names and not names[p].isascii()][:queries]
    plates = list(Vehicle.objects.filter(customer_id__in=picks).values_list("plate", flat=True))[:queries]
    models = [(b, m) for b, (_, ms) in BRANDS.items() for m, zh in ms.items() if not zh.isascii()]
    now = timezone.now()

    def search_as(user):
        return lambda q: list(customer_search(user, q)[:50])

    if sqlite:
        print(
            f"SQLite {connection.Database.sqlite_version} (WAL, synchronous NORMAL, default cache_size); "
            f"{top:,} customers; {'warm' if warm else 'cold'} OS cache; first page of 50 rows per query"
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(f"PostgreSQL {version}; {top:,} customers; first page of 50 rows per query")
    kinds = {
        "name, 2 characters (超娟)": [n[-2:] for n in chinese],
        "name, 1 character (娟)": [n[-1] for n in chinese],
        "name, full pinyin (liuchaojuan)": [name_keys(n)[1] for n in chinese],
        "name, initials (lcj)": [name_keys(n)[2] for n in chinese],
        "brand, Chinese (丰田)": [BRANDS[rng.choice(list(BRANDS))][0] for _ in range(queries)],
        "brand, English (Toyota)": [rng.choice(list(BRANDS)) for _ in range(queries)],
        "model, Chinese (凯美瑞)": [BRANDS[b][1][m] for b, m in (rng.choice(models) for _ in range(queries))],
        "plate, 4 characters": [p[-4:].lower() for p in plates],
        "plate, 5 characters": [p[2:7] for p in plates],
        "phone, full number": [phones[p] for p in picks[:queries] if p in phones],
        "phone, last four digits": [phones[p][-4:] for p in picks[:queries] if p in phones],
        "ID number, whole": [id_numbers[p] for p in picks[:queries] if id_numbers.get(p)],
    }
    results = {}
    for who, user in (("hq", hq), ("salesperson", salesperson)):
        for kind, values in kinds.items():
            results[(kind, who)] = timed(f"{kind} ({who})", [("", v) for v in values], search_as(user))

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
    slow = [f"{kind} ({who})" for (kind, who), r in results.items() if r["p95"] >= 20]
    print("every search p95 under 20 ms" if not slow else f"p95 at or over 20 ms: {', '.join(slow)}")


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
