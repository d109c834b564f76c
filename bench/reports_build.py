"""The reports bench's data set, generated inside the database (bench/reports.py builds it once, then times).

Every table is filled by INSERT ... SELECT over a series of numbers (PostgreSQL: ``generate_series``;
SQLite: a recursive CTE) with the database's own ``random()``; nothing row by row passes through Python.
Each statement first draws its random numbers into a materialized CTE (so a draw read twice is the same
number), then joins the drawn customer to read its creation time, home store and owner: every later record
(communication, appointment, follow-up, order, complaint, return visit, lead, owner change) falls between
its customer's creation and now, in its customer's store, by its owner (or, for a customer in the pool, one
of the store's salespeople). The tables' secondary indexes are dropped while they fill and made again
after (and PostgreSQL skips its foreign-key triggers for the session), which is most of the speed.

The shape is the one the Python generator had: 20 stores in 4 regions with 8 salespeople each, customers
created uniformly over the two years before now, 30 % of them in the pool, sources, intent levels and uses
uniform, order statuses open/paid/delivered/cancelled 1:1:6:1, prices 50,000-399,999 yuan, follow-ups 80 %
done (2 hours early, 1 hour or 30 hours late), complaint statuses 1:1:3:5. Added: prospects released to
the pool (owner changes to nobody, for the scorecards' *lost to the pool*), 10 % of the customers' count
drawn, kept for the customers now in the pool. ``--seed`` seeds PostgreSQL's ``random()``; SQLite's cannot
be seeded.
"""

import time
from collections.abc import Sequence

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
    "pool_releases": 100_000,
}
STORES = 20
SALES_PER_STORE = 8
DAYS = 730
CHUNK = 1_000_000  # rows per statement, for progress and bounded temporary space
CATEGORIES = ["Delivery late", "Car condition", "Paperwork", "Service attitude", "Price", "Financing"]
SOURCES = ["website", "social_media", "marketplace", "walk_in", "car_show", "referral"]
TABLES = [
    "crm_customer",
    "crm_communication",
    "crm_appointment",
    "crm_followupplan",
    "crm_vehicle",
    "crm_order",
    "crm_complaint",
    "crm_returnvisit",
    "crm_leadintake",
    "crm_changerecord",
]


def people() -> tuple[list, list[tuple[int, int]], dict[int, int]]:
    """The stores, (salesperson id, store id) pairs (store by store), and each store's manager."""
    from django.contrib.auth import get_user_model

    from portal.crm.models import Role, Staff, StaffRole, Store

    users = get_user_model().objects
    regions = ["华东", "华南", "华北", "西南"]
    stores = [
        Store.objects.get_or_create(name=f"门店{n:02d}", defaults={"region": regions[n % 4]})[0] for n in range(STORES)
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


class Dialect:
    """The few SQL expressions that differ between PostgreSQL and SQLite. Every value is a number or a
    string of this module, inlined (no parameters), so ``%`` needs no escaping."""

    def __init__(self, vendor: str, now_epoch: float) -> None:
        self.pg = vendor == "postgresql"
        self.now = now_epoch

    def series(self, first: int, last: int) -> tuple[str, str]:
        """(what goes after WITH, the FROM item) of the numbers first..last as ``seq(n)``."""
        if self.pg:
            return "", f"generate_series({first}, {last}) AS seq(n)"
        return (
            f"RECURSIVE seq(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM seq WHERE n < {last}), ",
            "seq",
        )

    def fraction(self) -> str:
        """A random number in [0, 1)."""
        return "random()" if self.pg else "((abs(random()) % 1000000007) / 1000000007.0)"

    def below(self, k: int) -> str:
        """A random integer in 0..k-1."""
        return f"floor(random() * {k})::bigint" if self.pg else f"(abs(random()) % {k})"

    def int_of(self, expr: str) -> str:
        return f"floor({expr})::bigint" if self.pg else f"CAST({expr} AS INTEGER)"

    def days_back(self, column: str) -> str:
        """Days from ``column`` (a stored time) to now."""
        if self.pg:
            return f"(extract(epoch FROM (to_timestamp({self.now}) - {column})) / 86400.0)"
        return f"(julianday({self.now}, 'unixepoch') - julianday({column}))"

    def moment(self, days_back: str) -> str:
        """The time ``days_back`` days before now, as the column stores it."""
        if self.pg:
            return f"(to_timestamp({self.now}) - ({days_back}) * interval '1 day')"
        return f"strftime('%Y-%m-%d %H:%M:%f', julianday({self.now}, 'unixepoch') - ({days_back}))"

    def day(self, days_back: str) -> str:
        if self.pg:
            return f"(to_timestamp({self.now}) - ({days_back}) * interval '1 day')::date"
        return f"date(julianday({self.now}, 'unixepoch') - ({days_back}))"

    def padded(self, prefix: str, column: str) -> str:
        return f"'{prefix}' || lpad({column}::text, 15, '0')" if self.pg else f"printf('{prefix}%015d', {column})"


def pick(column: str, values: Sequence[object], weights: Sequence[int] | None = None) -> str:
    """A CASE choosing among ``values`` by ``column``, a random integer below sum(weights)."""
    weights = weights or [1] * len(values)
    arms, bound = [], 0
    for value, weight in zip(values[:-1], weights[:-1], strict=True):
        bound += weight
        arms.append(f"WHEN {column} < {bound} THEN {_literal(value)}")
    return f"CASE {' '.join(arms)} ELSE {_literal(values[-1])} END"


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


class Builder:
    def __init__(self, cursor, dialect: Dialect, sizes: dict[str, int], first_customer: int) -> None:
        self.cursor, self.d, self.sizes = cursor, dialect, sizes
        self.first = first_customer  # the first new customer's id; the new ones are consecutive
        self.started = time.perf_counter()

    def say(self, what: str) -> None:
        print(f"  {what} ({time.perf_counter() - self.started:.0f} s)", flush=True)

    def insert(self, table: str, columns: str, draws: str, select: str, total: int, joins: str = "") -> None:
        """INSERT INTO table (columns) SELECT select FROM draws s joins, ``total`` rows in chunks.
        ``draws`` is the select list of the random draws per number ``n`` (materialized, read once)."""
        for first in range(1, total + 1, CHUNK):
            last = min(first + CHUNK - 1, total)
            head, source = self.d.series(first, last)
            self.cursor.execute(
                f"WITH {head}s AS MATERIALIZED (SELECT n, {draws} FROM {source}) "
                f"INSERT INTO {table} ({columns}) SELECT {select} FROM s {joins}"
            )
        self.say(f"{total:,} rows in {table}")

    def customer_draw(self) -> str:
        return f"{self.first} + {self.d.below(self.sizes['customers'])} AS cid, {self.d.fraction()} AS r"

    # The drawn customer, its salesperson (owner, or one of its store's for the pool) and a moment after it
    # came (``back``: days before now).
    OF_CUSTOMER = (
        "JOIN crm_customer c ON c.id = s.cid "
        "JOIN bench_sales p ON p.store_id = c.home_store_id AND p.k = c.id % " + str(SALES_PER_STORE)
    )

    def back(self) -> str:
        return f"s.r * {self.d.days_back('c.created_at')}"

    def helpers(self, sales: list[tuple[int, int]], brands: dict) -> None:
        c = self.cursor
        c.execute("CREATE TEMP TABLE bench_sales (n integer, user_id integer, store_id bigint, k integer)")
        for n, (user, store) in enumerate(sales):
            c.execute(f"INSERT INTO bench_sales VALUES ({n}, {user}, {store}, {n % SALES_PER_STORE})")
        c.execute("CREATE TEMP TABLE bench_brand (b integer, brand text, models integer)")
        c.execute("CREATE TEMP TABLE bench_model (b integer, m integer, model text)")
        for b, (brand, (_label, models)) in enumerate(brands.items()):
            c.execute(f"INSERT INTO bench_brand VALUES ({b}, {_literal(brand)}, {len(models)})")
            for m, model in enumerate(models):
                c.execute(f"INSERT INTO bench_model VALUES ({b}, {m}, {_literal(model)})")

    def customers(self, n_sales: int) -> None:
        d = self.d
        self.insert(
            "crm_customer",
            "id, name, name_key, name_pinyin, name_initials, gender, email, wechat_id, address, id_number, source, "
            "sub_channel, intent_level, vehicle_type, brands, budget_min, budget_max, use, stage, home_store_id, "
            "owner_id, last_contact_at, created_at, score, score_reasons, birthday_hash, id_number_hash",
            f"{d.below(n_sales)} AS who, {d.fraction()} AS r, {d.fraction()} AS pooled, {d.below(6)} AS src, "
            f"{d.below(3)} AS intent, {d.below(2)} AS used",
            f"{self.first - 1} + s.n, '客户' || ({self.first - 2} + s.n), '客户' || ({self.first - 2} + s.n), "
            f"'', '', 'unspecified', '', '', '', '', {pick('s.src', SOURCES)}, '', "
            f"{pick('s.intent', ['high', 'medium', 'low'])}, 'sedan', '', NULL, NULL, "
            f"{pick('s.used', ['personal', 'business'])}, 'prospect', p.store_id, "
            f"CASE WHEN s.pooled < 0.3 THEN NULL ELSE p.user_id END, NULL, {d.moment(f's.r * {DAYS}')}, 0, '[]', "
            "'', ''",
            self.sizes["customers"],
            "JOIN bench_sales p ON p.n = s.who",
        )

    def communications(self) -> None:
        self.insert(
            "crm_communication",
            "customer_id, author_id, channel, at, content, outcome",
            self.customer_draw(),
            f"c.id, COALESCE(c.owner_id, p.user_id), 'phone', {self.d.moment(self.back())}, '通话', 'interested'",
            self.sizes["communications"],
            self.OF_CUSTOMER,
        )

    def appointments(self) -> None:
        kinds = ["visit", "test_drive", "visit", "service"]
        self.insert(
            "crm_appointment",
            "kind, at, intended_model, intended_configuration, outcome, impressions, created_by_id, customer_id, "
            "store_id",
            f"{self.customer_draw()}, {self.d.below(4)} AS kind",
            f"{pick('s.kind', kinds)}, {self.d.moment(self.back())}, '', '', '', '', "
            "COALESCE(c.owner_id, p.user_id), c.id, c.home_store_id",
            self.sizes["appointments"],
            self.OF_CUSTOMER,
        )

    def follow_ups(self) -> None:
        d = self.d
        late = pick("s.late", [-2, 1, 30])  # hours after due
        self.insert(
            "crm_followupplan",
            "due_at, method, purpose, done, done_at, customer_id, owner_id",
            f"{self.customer_draw()}, {d.fraction()} AS done, {d.below(3)} AS late",
            f"{d.moment(self.back())}, 'phone', '跟进', s.done < 0.8, "
            f"CASE WHEN s.done < 0.8 THEN {d.moment(f'{self.back()} - ({late}) / 24.0')} END, c.id, "
            "COALESCE(c.owner_id, p.user_id)",
            self.sizes["follow_ups"],
            self.OF_CUSTOMER,
        )

    def orders(self) -> None:
        """Each order with the car it sold (the car's id is the order's number after the last car's)."""
        d, c = self.d, self.cursor
        c.execute("SELECT COALESCE(MAX(id), 0) FROM crm_vehicle")
        first_car = c.fetchone()[0]
        c.execute("SELECT COUNT(*) FROM bench_brand")
        n_brands = c.fetchone()[0]
        total = self.sizes["orders"]
        head, source = d.series(1, total)
        c.execute(
            f"CREATE TEMP TABLE bench_orders AS WITH {head}s AS MATERIALIZED (SELECT n, {self.customer_draw()}, "
            f"{d.below(n_brands)} AS b, {d.fraction()} AS rm, {d.below(9)} AS st, "
            f"50000 + {d.below(350_000)} AS price FROM {source}) "
            f"SELECT s.n, c.id AS customer_id, c.home_store_id AS store_id, "
            f"COALESCE(c.owner_id, p.user_id) AS seller, {d.moment(self.back())} AS at, br.brand, m.model, "
            f"s.st, s.price FROM s {self.OF_CUSTOMER} JOIN bench_brand br ON br.b = s.b "
            f"JOIN bench_model m ON m.b = s.b AND m.m = {d.int_of('s.rm * br.models')}"
        )
        c.execute(
            "INSERT INTO crm_vehicle (id, vin, engine_number, plate, brand, model, vehicle_type, year, colour, "
            "mileage, configuration, asking_price, store_id, status, customer_id, created_at) "
            f"SELECT {first_car} + n, {d.padded('RB', 'n')}, '', '', brand, model, 'sedan', 2020, '', 30000, '', "
            "150000, store_id, 'sold', customer_id, at FROM bench_orders"
        )
        status = pick("st", ["open", "paid", "delivered", "cancelled"], [1, 1, 6, 1])
        c.execute(
            "INSERT INTO crm_order (vehicle_id, customer_id, store_id, salesperson_id, price, payment_plan, deposit, "
            "delivery_at, delivery_place, status, created_at) "
            f"SELECT {first_car} + n, customer_id, store_id, seller, price, 'full', 0, NULL, '', {status}, at "
            "FROM bench_orders"
        )
        c.execute("DROP TABLE bench_orders")
        self.say(f"{total:,} orders and their cars")

    def complaints(self) -> None:
        d = self.d
        self.insert(
            "crm_complaint",
            "channel, category, severity, description, deadline, status, resolution, compensation, "
            "satisfaction_score, created_at, customer_id, store_id",
            f"{self.customer_draw()}, {d.below(len(CATEGORIES))} AS cat, {d.below(4)} AS sev, "
            f"{d.below(10)} AS st, {d.below(4)} AS score",
            f"'phone', {pick('s.cat', CATEGORIES)}, {pick('s.sev', ['low', 'medium', 'high', 'critical'])}, "
            f"'投诉', {d.moment(f'{self.back()} - 3')}, "
            f"{pick('s.st', ['open', 'in_progress', 'resolved', 'closed'], [1, 1, 3, 5])}, '', 0, "
            f"{pick('s.score', [None, 3, 4, 5])}, {d.moment(self.back())}, c.id, c.home_store_id",
            self.sizes["complaints"],
            self.OF_CUSTOMER,
        )

    def return_visits(self) -> None:
        d = self.d
        self.insert(
            "crm_returnvisit",
            "kind, due, done_at, satisfaction_score, notes, status, customer_id, done_by_id, store_id",
            f"{self.customer_draw()}, 1 + {d.below(5)} AS score",
            f"'after_delivery', {d.day(self.back())}, {d.moment(self.back())}, s.score, '', 'done', c.id, "
            "COALESCE(c.owner_id, p.user_id), c.home_store_id",
            self.sizes["return_visits"],
            self.OF_CUSTOMER,
        )

    def leads(self) -> None:
        d = self.d
        self.insert(
            "crm_leadintake",
            "source, channel, received, received_at, merged, routing_reasons, customer_id, routed_store_id",
            f"{self.customer_draw()}, {d.below(6)} AS src",
            f"{pick('s.src', SOURCES)}, 'web_form', '{{}}', {d.moment(self.back())}, "
            f"{'false' if d.pg else '0'}, '[]', c.id, c.home_store_id",
            self.sizes["leads"],
            self.OF_CUSTOMER,
        )

    def stock(self) -> None:
        d, c = self.d, self.cursor
        c.execute("SELECT COALESCE(MAX(id), 0) FROM crm_vehicle")
        first_car = c.fetchone()[0]
        c.execute("SELECT COUNT(*) FROM bench_brand")
        n_brands = c.fetchone()[0]
        self.insert(
            "crm_vehicle",
            "id, vin, engine_number, plate, brand, model, vehicle_type, year, colour, mileage, configuration, "
            "asking_price, store_id, status, customer_id, created_at",
            f"{d.below(n_brands)} AS b, {d.fraction()} AS rm, {d.below(STORES)} AS store, {d.below(3)} AS st, "
            f"{d.fraction()} AS r",
            f"{first_car} + s.n, {d.padded('RS', 's.n')}, '', '', br.brand, m.model, 'sedan', 2020, '', 30000, '', "
            f"150000, p.store_id, {pick('s.st', ['in_stock', 'in_stock', 'reserved'])}, NULL, "
            f"{d.moment('s.r * 200')}",
            self.sizes["stock"],
            "JOIN bench_brand br ON br.b = s.b "
            f"JOIN bench_model m ON m.b = s.b AND m.m = {d.int_of('s.rm * br.models')} "
            f"JOIN bench_sales p ON p.n = s.store * {SALES_PER_STORE}",
        )

    def pool_releases(self) -> None:
        """Prospects released to the pool: owner changes to nobody, by one of the store's salespeople, of the
        customers now without an owner (about 30 % of those drawn)."""
        self.insert(
            "crm_changerecord",
            "entity, entity_id, field, old_value, new_value, actor_id, at, note",
            self.customer_draw(),
            f"'customer', c.id, 'owner', p.user_id || ':销售', '', p.user_id, {self.d.moment(self.back())}, ''",
            self.sizes["pool_releases"],
            self.OF_CUSTOMER + " WHERE c.owner_id IS NULL",
        )


def _secondary_indexes(cursor, pg: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the bench tables' indexes that no constraint needs."""
    names = ", ".join(f"'{t}'" for t in TABLES)
    if pg:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            f"AND i.tablename IN ({names}) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
        )
    else:
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names}) AND sql IS NOT NULL"
        )
    return list(cursor.fetchall())


def build(scale: float, seed: int) -> None:
    """Fill the empty bench database (refuses one half built); then ANALYZE."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.crm.brands import BRANDS
    from portal.crm.models import ChangeRecord, Customer, Vehicle

    sizes = {k: max(1, int(v * scale)) for k, v in SIZES.items()}
    _stores, sales, _managers = people()
    count = Customer.objects.count()
    if count >= sizes["customers"]:
        print(f"reusing the data set in {connection.settings_dict['NAME']}")
        return
    if count:
        raise SystemExit(
            f"{connection.settings_dict['NAME']} holds {count:,} customers, fewer than {sizes['customers']:,}: "
            "a build that stopped half way. Empty it (drop and create the database, or delete the SQLite file)."
        )
    print("building: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()), flush=True)
    pg = connection.vendor == "postgresql"
    cursor = connection.cursor()
    if pg:
        cursor.execute(f"SELECT setseed({(seed % 1000) / 1000.0})")
        cursor.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET synchronous_commit = off")
    else:
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-1000000")
        cursor.execute("PRAGMA temp_store=FILE")
    builder = Builder(cursor, Dialect(connection.vendor, timezone.now().timestamp()), sizes, 1)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM crm_customer")
    builder.first = cursor.fetchone()[0] + 1
    indexes = _secondary_indexes(cursor, pg)
    with transaction.atomic():
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        builder.helpers(sales, BRANDS)
        builder.customers(len(sales))
        builder.communications()
        builder.appointments()
        builder.follow_ups()
        builder.orders()
        builder.complaints()
        builder.return_visits()
        builder.leads()
        builder.stock()
        builder.pool_releases()
        for _name, sql in indexes:
            cursor.execute(sql)
        builder.say(f"{len(indexes)} indexes made again")
        for statement in connection.ops.sequence_reset_sql(no_style(), [Customer, Vehicle, ChangeRecord]):
            cursor.execute(statement)
        for table in ("bench_sales", "bench_brand", "bench_model"):
            cursor.execute(f"DROP TABLE {table}")
    if pg:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE")
    else:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA synchronous=NORMAL")
    builder.say("built and analyzed")
