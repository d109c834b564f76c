"""Every figure the reports show, defined once (docs/reports.md says the same in words).

Each measure reads its records through ``portal.crm.scopes`` (what the viewer may see) and narrows them to
the window's stores, range and salesperson (``portal.reports.window``). Days, weeks (from Monday), months
and years are the group's (settings.TIME_ZONE). Counts are of records in the range:

- prospect: a customer record created in the range (``Customer.created_at``), in its home store, of its owner
- communication: a contact note written in the range (``Communication.at``), of the customer's home store,
  of its author
- visit booked (到店预约): a store visit or test drive appointment whose time falls in the range
  (``Appointment.at``: the model records no booking time), of its store, of the person who booked it
- deal: an order created in the range and not cancelled, of its store, of its salesperson; revenue is the
  sum of those orders' prices
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, DateField, F, Func, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, StrIndex, Substr, TruncDay, TruncMonth, TruncWeek, TruncYear
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from engine import api
from portal.crm import scopes
from portal.crm.brands import car_name
from portal.crm.models import (
    Appointment,
    AppointmentKind,
    ChangeRecord,
    Communication,
    Complaint,
    ComplaintCause,
    ComplaintStatus,
    FollowUpPlan,
    IntentLevel,
    LeadIntake,
    OrderStatus,
    ReturnVisit,
    ReturnVisitStatus,
    Role,
    Source,
    Store,
    Use,
    Vehicle,
    VehicleStatus,
)
from portal.crm.models.choices import ONLINE_SOURCES
from portal.ui.people import display_name

from .models import CommunicationDay, WorkedCount, WorkedMonth
from .tables import DAYS, PERCENT, SCORE, TEXT, YUAN, Chart, Column, Report, Table, change, ratio
from .window import (
    Window,
    add_months,
    day_start,
    may_read_reports,
    month_end,
    month_start,
    people_of,
    today,
    zone,
)

STAGES = ("prospects", "communications", "visits", "deals")
STAGE_LABELS = {
    "prospects": _("Prospects"),
    "communications": _("Communications"),
    "visits": _("Visits booked"),
    "deals": _("Deals"),
}
VISIT_KINDS = (AppointmentKind.VISIT, AppointmentKind.TEST_DRIVE)
LIVE_DEAL = ~Q(status=OrderStatus.CANCELLED)
IN_STOCK = (VehicleStatus.IN_STOCK, VehicleStatus.RESERVED, VehicleStatus.IN_TRANSFER)
AGE_BUCKETS = (("age_0_30", 0, 30), ("age_31_60", 31, 60), ("age_61_90", 61, 90), ("age_90_plus", 91, None))
UNRESOLVED = (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)


# --- the records of a window, through the scope layer ------------------------------------------------------


def _in_stores(rows: QuerySet, field: str, w: Window) -> QuerySet:
    """``rows`` of the window's stores (no condition at all when the window is every store of the group)."""
    return rows if w.everywhere else rows.filter(**{f"{field}__in": w.store_ids})


def customers(w: Window) -> QuerySet:
    rows = _in_stores(scopes.customers_visible_to(w.user), "home_store_id", w)
    return rows.filter(owner_id=w.salesperson_id) if w.salesperson_id else rows


def _of_store_customers(model: Any, visible: Callable[[Any], QuerySet], w: Window) -> QuerySet:
    """``model``'s records (they have a customer) of the customers whose home store is one of the window's.

    A reader of reports may see every customer of the window's stores (hq every customer; a store manager
    those of the stores they manage: ``scopes.customer_scope_q``, and ``window_for`` keeps the window's stores
    among those), so for them the scope's ``customer IN (...)`` would remove nothing and only lead the
    database to read every customer of the store first; anyone else (a salesperson's own records) reads
    through the scope."""
    if may_read_reports(scopes.scope_of(w.user)):
        return _in_stores(model.objects.all(), "customer__home_store_id", w)
    return _in_stores(visible(w.user), "customer__home_store_id", w)


def communications(w: Window) -> QuerySet:
    rows = _of_store_customers(Communication, scopes.communications_visible_to, w)
    return rows.filter(author_id=w.salesperson_id) if w.salesperson_id else rows


def communication_days(w: Window) -> QuerySet:
    """The daily counts of communications (portal.reports.daily keeps them) of the window's days, stores and
    author: what the funnel counts, without joining each note to its customer. They are kept per home store,
    so they answer exactly the store managers' and hq's scope (the only readers of the funnel)."""
    rows = _in_stores(CommunicationDay.objects.filter(day__gte=w.start, day__lte=w.end), "store_id", w)
    return rows.filter(author_id=w.salesperson_id) if w.salesperson_id else rows


def appointments(w: Window) -> QuerySet:
    scope = scopes.scope_of(w.user)
    managed = scope.stores(Role.STORE_MANAGER)
    if isinstance(managed, set) and scope.grants and all(role == Role.STORE_MANAGER for role, _s in scope.grants):
        # A viewer who is only a store manager sees exactly the customers of the stores they manage
        # (scopes.customer_scope_q): said as a join, not as the scope's customer IN (every customer of the store).
        visible = Appointment.objects.filter(customer__home_store_id__in=sorted(managed))
    else:
        visible = scopes.appointments_visible_to(w.user)
    rows = _in_stores(visible, "store_id", w).filter(kind__in=VISIT_KINDS)
    return rows.filter(created_by_id=w.salesperson_id) if w.salesperson_id else rows


def orders(w: Window) -> QuerySet:
    rows = _in_stores(scopes.orders_visible_to(w.user), "store_id", w)
    return rows.filter(salesperson_id=w.salesperson_id) if w.salesperson_id else rows


def deals(w: Window) -> QuerySet:
    return orders(w).filter(LIVE_DEAL, created_at__gte=w.since, created_at__lt=w.until)


def _own_card(w: Window) -> bool:
    """A salesperson reading their own scorecard: complaints and return-visit scores about their own
    customers count there (as figures only; the records stay out of their reach)."""
    return (
        w.salesperson_id is not None
        and w.salesperson_id == getattr(w.user, "pk", None)
        and not (may_read_reports(scopes.scope_of(w.user)))
    )


def complaints(w: Window) -> QuerySet:
    if _own_card(w):
        return Complaint.objects.filter(customer__in=customers(w).values("pk"), store_id__in=w.store_ids)
    rows = _in_stores(scopes.complaints_visible_to(w.user), "store_id", w)
    return rows.filter(customer__owner_id=w.salesperson_id) if w.salesperson_id else rows


def return_visits(w: Window) -> QuerySet:
    if _own_card(w):
        return ReturnVisit.objects.filter(customer__in=customers(w).values("pk"), store_id__in=w.store_ids)
    rows = _in_stores(scopes.return_visits_visible_to(w.user), "store_id", w)
    return rows.filter(customer__owner_id=w.salesperson_id) if w.salesperson_id else rows


def vehicles(w: Window) -> QuerySet:
    return _in_stores(scopes.vehicles_visible_to(w.user), "store_id", w)


def leads(w: Window) -> QuerySet:
    rows = _of_store_customers(LeadIntake, scopes.leads_visible_to, w)
    return rows.filter(customer__owner_id=w.salesperson_id) if w.salesperson_id else rows


def follow_ups(w: Window) -> QuerySet:
    rows = _of_store_customers(FollowUpPlan, scopes.follow_ups_visible_to, w)
    return rows.filter(owner_id=w.salesperson_id) if w.salesperson_id else rows


def _in_range(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.since, f"{field}__lt": w.until})


def _grouped(rows: QuerySet, key: str, **aggregates: Any) -> dict[Any, dict[str, Any]]:
    """key value -> the aggregates, one GROUP BY query."""
    return {r[key]: r for r in rows.order_by().values(key).annotate(**aggregates)}


# --- naming rows ---------------------------------------------------------------------------------------------


def store_names(w: Window) -> dict[int, Store]:
    return {s.pk: s for s in w.stores if s.pk in w.store_ids}


def people_names(ids: set[int]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    return {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=ids)}


def customers_link(w: Window, **extra: Any) -> str:
    """The CRM's customer list filtered to the prospects behind a number (created in the range)."""
    params = {"consulted_from": w.start.isoformat(), "consulted_to": w.end.isoformat(), **extra}
    return reverse("crm:customers") + "?" + urlencode(params)


def records_link(name: str, w: Window, **extra: Any) -> str:
    """A record list (``portal.reports.lists``: deals, communications, visits) of the window, narrowed."""
    return reverse("reports:report", args=[name]) + "?" + urlencode(w.query(**extra))


def customer_page(customer_id: int) -> str:
    return reverse("crm:customer", args=[customer_id])


def vehicles_link(**params: Any) -> str:
    return reverse("crm:vehicles") + "?" + urlencode(params)


# --- the funnel ------------------------------------------------------------------------------------------------


def _funnel_sources(w: Window) -> list[tuple[str, QuerySet, str, str]]:
    """(stage, records in the range, store field, person field)."""
    return [
        ("prospects", customers(w).filter(_in_range("created_at", w)), "home_store_id", "owner_id"),
        ("communications", communication_days(w), "store_id", "author_id"),
        ("visits", appointments(w).filter(_in_range("at", w)), "store_id", "created_by_id"),
        ("deals", deals(w), "store_id", "salesperson_id"),
    ]


def funnel_counts(w: Window, by: str, stages: tuple[str, ...] = STAGES) -> dict[Any, dict[str, int]]:
    """by "store" or "salesperson": key -> the stage counts (and revenue); only ``stages`` are counted."""
    found: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys((*STAGES, "revenue"), 0))
    for stage, rows, store_field, person_field in _funnel_sources(w):
        if stage not in stages:
            continue
        key = store_field if by == "store" else person_field
        aggregates: dict[str, Any] = {"n": Sum("count") if stage == "communications" else Count("*")}
        if stage == "deals":
            aggregates["revenue"] = Sum("price")
        for value, row in _grouped(rows, key, **aggregates).items():
            found[value][stage] += row["n"]
            if stage == "deals":
                found[value]["revenue"] += row["revenue"] or 0
    return found


def _funnel_rows(w: Window, by: str, stages: tuple[str, ...] = STAGES) -> list[tuple[Any, str, dict[str, int]]]:
    """(key, name, counts) per row of ``by``: store, salesperson, region or group."""
    stores = store_names(w)
    if by == "salesperson":
        counts = funnel_counts(w, "salesperson", stages)
        ids = {s.user_id for s in people_of(list(stores.values()))} | {k for k in counts if k is not None}
        if w.salesperson_id:
            ids = {w.salesperson_id}
        names = people_names(ids)
        rows = [(i, names.get(i, ""), counts.get(i) or dict.fromkeys((*STAGES, "revenue"), 0)) for i in ids]
        if counts.get(None):  # prospects nobody owns (the pool)
            rows.append((None, str(_("The pool (no owner)")), counts[None]))
        return sorted(rows, key=lambda r: (r[0] is None, r[1]))
    counts = funnel_counts(w, "store", stages)
    blank = dict.fromkeys((*STAGES, "revenue"), 0)
    per_store = [
        (pk, store.name, counts.get(pk, blank)) for pk, store in sorted(stores.items(), key=lambda s: s[1].name)
    ]
    if by == "store":
        return per_store
    merged: dict[str, dict[str, int]] = {}
    for pk, _name, figures in per_store:
        key = stores[pk].region if by == "region" else str(_("The whole group"))
        total = merged.setdefault(key, dict(blank))
        for stage, n in figures.items():
            total[stage] += n
    return [(key, key, figures) for key, figures in sorted(merged.items())]


FUNNEL_BY = {
    "store": _("Store"),
    "salesperson": _("Salesperson"),
    "region": _("Region"),
    "group": _("The whole group"),
}


def funnel(w: Window, by: str = "store") -> Report:
    by = by if by in FUNNEL_BY else "store"
    # The comparisons need only prospects and deals (communications are the costliest stage to count).
    compared = ("prospects", "deals")
    before = {key: figures for key, _n, figures in _funnel_rows(w.shifted(-1), by, compared)}
    last_year = {key: figures for key, _n, figures in _funnel_rows(w.shifted(-12), by, compared)}
    sales_ids = {s.user_id for s in people_of(list(store_names(w).values()))}
    rows = []
    for key, name, figures in _funnel_rows(w, by):
        row: dict[str, Any] = {"name": name, **figures}
        row["to_communication"] = ratio(figures["communications"], figures["prospects"])
        row["to_visit"] = ratio(figures["visits"], figures["communications"])
        row["to_deal"] = ratio(figures["deals"], figures["visits"])
        row["conversion"] = ratio(figures["deals"], figures["prospects"])
        prev, year = before.get(key, {}), last_year.get(key, {})
        row["deals_last_month"] = prev.get("deals", 0)
        row["deals_change_month"] = change(figures["deals"], prev.get("deals"))
        row["conversion_last_month"] = ratio(prev.get("deals"), prev.get("prospects"))
        row["deals_last_year"] = year.get("deals", 0)
        row["deals_change_year"] = change(figures["deals"], year.get("deals"))
        row["_links"] = _funnel_links(w, by, key, sales_ids)
        rows.append(row)
    columns = [
        Column("name", FUNNEL_BY[by], TEXT),
        Column("prospects", STAGE_LABELS["prospects"]),
        Column("communications", STAGE_LABELS["communications"]),
        Column("visits", STAGE_LABELS["visits"]),
        Column("deals", STAGE_LABELS["deals"]),
        Column("revenue", _("Revenue"), YUAN),
        Column("to_communication", _("Prospect → communication"), PERCENT),
        Column("to_visit", _("Communication → visit"), PERCENT),
        Column("to_deal", _("Visit → deal"), PERCENT),
        Column("conversion", _("Prospect → deal"), PERCENT),
        Column("deals_last_month", _("Deals, a month earlier")),
        Column("deals_change_month", _("vs a month earlier"), PERCENT),
        Column("conversion_last_month", _("Prospect → deal, a month earlier"), PERCENT),
        Column("deals_last_year", _("Deals, a year earlier")),
        Column("deals_change_year", _("vs a year earlier"), PERCENT),
    ]
    totals = {stage: sum(r[stage] for r in rows) for stage in STAGES}
    group_links = _funnel_links(w, "group", None, sales_ids)
    stages = [
        {"name": str(STAGE_LABELS[s]), "value": totals[s], "_links": {"value": group_links.get(s, "")}} for s in STAGES
    ]
    return Report(
        "funnel",
        _("Sales funnel"),
        [
            Table(
                _("The four stages"),
                [Column("name", _("Stage"), TEXT), Column("value", _("Count"))],
                stages,
                Chart("funnel", "name", ["value"]),
            ),
            Table(
                _("By %(dimension)s") % {"dimension": FUNNEL_BY[by]}, columns, rows, Chart("bar", "name", list(STAGES))
            ),
            booking_lead_time(w),
        ],
    )


def _funnel_links(w: Window, by: str, key: Any, sales_ids: set[int]) -> dict[str, str]:
    """A funnel row's numbers as links to their records: prospects to the customer list, the other stages
    to the record lists (``portal.reports.lists``) of the same range narrowed to the row."""
    narrowed: dict[str, Any] | None = {}
    prospects: dict[str, Any] | None = {}
    if by == "store":
        narrowed = prospects = {"store": key}
    elif by == "region":
        narrowed = {"region": key}
        prospects = None if len(w.store_ids) != 1 else {}
    elif by == "salesperson":
        narrowed = {"salesperson": key} if key in sales_ids else None
        prospects = {"owner": key} if key is not None else {"in_pool": "on"}
    links = {}
    if prospects is not None:
        links["prospects"] = customers_link(w, **prospects)
    if narrowed is not None:
        for stage in ("communications", "visits", "deals"):
            links[stage] = records_link(stage, w, **narrowed)
    return links


# How long before a visit or test drive it was booked: (key, label, from days, to days).
LEAD_TIMES = (
    ("same_day", _("Same day"), 0, 1),
    ("days_1_3", _("1-3 days before"), 1, 4),
    ("days_4_7", _("4-7 days before"), 4, 8),
    ("days_8_plus", _("8 days or more before"), 8, None),
)


def booking_lead_time(w: Window) -> Table:
    """The visits booked of the range (by their time, as the funnel counts them) per store, by how long
    before it they were booked (``Appointment.booked_at``); those booked before that was recorded apart."""
    buckets = {}
    for key, _label, low, high in LEAD_TIMES:
        q = Q(at__gte=F("booked_at") + timedelta(days=low)) if low else Q(booked_at__isnull=False)
        if high is not None:
            q &= Q(at__lt=F("booked_at") + timedelta(days=high))
        buckets[key] = Count("id", filter=q)
    found = _grouped(
        appointments(w).filter(_in_range("at", w)),
        "store_id",
        n=Count("*"),
        unknown=Count("id", filter=Q(booked_at__isnull=True)),
        **buckets,
    )
    stores = store_names(w)
    rows = []
    for pk, f in sorted(found.items(), key=lambda kv: stores[kv[0]].name if kv[0] in stores else str(kv[0])):
        row = {"store": stores[pk].name if pk in stores else str(pk), "visits": f["n"], "not_recorded": f["unknown"]}
        for key, *_rest in LEAD_TIMES:
            row[key] = f[key]
        rows.append(row)
    columns = [Column("store", _("Store"), TEXT), Column("visits", STAGE_LABELS["visits"])]
    for key, label, *_rest in LEAD_TIMES:
        columns.append(Column(key, label))
    columns.append(Column("not_recorded", _("Booking time not recorded")))
    return Table(
        _("Booking lead time of the visits booked"),
        columns,
        rows,
        Chart("bar", "store", [key for key, *_rest in LEAD_TIMES], stack=True),
    )


# --- period reports --------------------------------------------------------------------------------------------

PERIODS = {
    "day": (pgettext_lazy("report period", "Daily"), TruncDay),
    "week": (pgettext_lazy("report period", "Weekly (from Monday)"), TruncWeek),
    "month": (pgettext_lazy("report period", "Monthly"), TruncMonth),
    "year": (pgettext_lazy("report period", "Yearly"), TruncYear),
}


# SQLite: the modifiers of date() that truncate a local day to its bucket (weeks from Monday).
_SQLITE_BUCKET = {
    "day": "",
    "week": ", '-6 days', 'weekday 1'",
    "month": ", 'start of month'",
    "year": ", 'start of year'",
}


def local_trunc(period: str, field: str, w: Window) -> Any:
    """The day, week, month or year (the group's time zone) of a time, as a value to group by.

    Django's Trunc on SQLite calls a Python function for every row (a dealer group's month of orders is some
    8,000 calls); when the zone's offset from UTC is the same all through the window (no summer time, as in
    China), SQLite's own date() shifts and truncates in SQL. Elsewhere, Trunc."""
    if connection.vendor == "sqlite":
        checks = [w.since, w.until, *(day_start(add_months(w.start, k)) for k in range(0, 40, 1))]
        offsets = {moment.utcoffset() for moment in checks}
        if len(offsets) == 1:
            minutes = int(next(iter(offsets)).total_seconds() // 60)  # type: ignore[union-attr]
            template = f"date(%(expressions)s, '{minutes:+d} minutes'{_SQLITE_BUCKET[period]})"
            return Func(F(field), template=template, output_field=DateField())
    return PERIODS[period][1](field, tzinfo=zone())


def _local_day(value: Any) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value, zone()).date() if timezone.is_aware(value) else value.date()
    return value


def _buckets(w: Window, period: str) -> list[date]:
    """Every bucket start in the range (empty ones too, so a chart's axis has no gaps)."""
    found, day = [], w.start
    while day <= w.end:
        if period == "day":
            start, day = day, day + timedelta(days=1)
        elif period == "week":
            start = day - timedelta(days=day.weekday())
            day = start + timedelta(days=7)
        elif period == "month":
            start = month_start(day)
            day = add_months(start, 1)
        else:
            start = date(day.year, 1, 1)
            day = date(day.year + 1, 1, 1)
        found.append(start)
    return found


def _bucket_range(w: Window, period: str, start: date) -> dict[str, str]:
    """The days of one bucket inside the window, as a record list's filter."""
    if period == "day":
        end = start
    elif period == "week":
        end = start + timedelta(days=6)
    elif period == "month":
        end = month_end(start)
    else:
        end = date(start.year, 12, 31)
    return {"start": max(start, w.start).isoformat(), "end": min(end, w.end).isoformat()}


def periods(w: Window, period: str = "month") -> Report:
    period = period if period in PERIODS else "month"
    figures = _grouped(
        orders(w).filter(_in_range("created_at", w)).annotate(bucket=local_trunc(period, "created_at", w)),
        "bucket",
        orders=Count("*"),
        deals=Count("price", filter=LIVE_DEAL),  # price: in the index, so no table read
        revenue=Sum("price", filter=LIVE_DEAL),
    )
    by_day = {_local_day(k): v for k, v in figures.items()}
    rows = []
    for start in _buckets(w, period):
        found = by_day.get(start, {})
        revenue = found.get("revenue") or 0
        rows.append(
            {
                "period": start,
                "orders": found.get("orders", 0),
                "deals": found.get("deals", 0),
                "revenue": revenue,
                "average_price": round(revenue / found["deals"]) if found.get("deals") else None,
                "_links": {"deals": records_link("deals", w, **_bucket_range(w, period, start))},
            }
        )
    columns = [
        Column("period", _("Period starting"), "day"),
        Column("orders", _("Orders")),
        Column("deals", STAGE_LABELS["deals"]),
        Column("revenue", _("Revenue"), YUAN),
        Column("average_price", _("Average price"), YUAN),
    ]
    return Report(
        "periods",
        _("Period report"),
        [
            Table(PERIODS[period][0], columns, rows, Chart("bar", "period", ["deals", "orders"])),
            _sources_table(w),
        ],
    )


def channel_group(source: str) -> Any:
    return _("Online") if source in ONLINE_SOURCES else _("Offline")


def _sources_table(w: Window) -> Table:
    """New customers in the range by source channel, online and offline."""
    found = _grouped(customers(w).filter(_in_range("created_at", w)), "source", n=Count("*"))
    total = sum(r["n"] for r in found.values())
    rows = []
    for source in Source:
        n = found.get(source.value, {}).get("n", 0)
        rows.append(
            {
                "group": channel_group(source.value),
                "source": source.label,
                "customers": n,
                "share": ratio(n, total),
                "_links": {"customers": customers_link(w, source=source.value)},
            }
        )
    return Table(
        _("New customers by source channel"),
        [
            Column("group", _("Online or offline"), TEXT),
            Column("source", _("Source"), TEXT),
            Column("customers", _("Customers")),
            Column("share", _("Share"), PERCENT),
        ],
        rows,
        Chart("bar", "source", ["customers"]),
    )


# --- channels --------------------------------------------------------------------------------------------------


def channels(w: Window) -> Report:
    lead_rows = _grouped(leads(w).filter(_in_range("received_at", w)), "source", n=Count("*"))
    prospect_rows = _grouped(customers(w).filter(_in_range("created_at", w)), "source", n=Count("*"))
    deal_rows = _grouped(deals(w), "customer__source", n=Count("*"), revenue=Sum("price"))
    rows = []
    for source in Source:
        prospects = prospect_rows.get(source.value, {}).get("n", 0)
        done = deal_rows.get(source.value, {})
        rows.append(
            {
                "group": channel_group(source.value),
                "source": source.label,
                "leads": lead_rows.get(source.value, {}).get("n", 0),
                "prospects": prospects,
                "deals": done.get("n", 0),
                "revenue": done.get("revenue") or 0,
                "conversion": ratio(done.get("n", 0), prospects),
                "_links": {"prospects": customers_link(w, source=source.value)},
            }
        )
    columns = [
        Column("group", _("Online or offline"), TEXT),
        Column("source", _("Source"), TEXT),
        Column("leads", _("Leads received")),
        Column("prospects", STAGE_LABELS["prospects"]),
        Column("deals", STAGE_LABELS["deals"]),
        Column("revenue", _("Revenue"), YUAN),
        Column("conversion", _("Prospect → deal"), PERCENT),
    ]
    return Report(
        "channels",
        _("Channels"),
        [Table(_("By source channel"), columns, rows, Chart("bar", "source", ["leads", "prospects", "deals"]))],
    )


# --- trends ----------------------------------------------------------------------------------------------------

TREND_BY: dict[str, tuple[Any, str]] = {
    "brand": (_("Brand"), "vehicle__brand"),
    "model": (_("Model"), "vehicle__model"),
    "intent_level": (_("Intent level"), "customer__intent_level"),
    "source": (_("Source"), "customer__source"),
    "region": (_("Region"), "store__region"),
    "use": (pgettext_lazy("vehicle use", "Use"), "customer__use"),
}
CHOICE_LABELS: dict[str, Any] = {"intent_level": IntentLevel, "source": Source, "use": Use}


def _trend_label(by: str, row: dict[str, Any]) -> str:
    value = row["group"]
    if by == "model":
        return car_name(row["vehicle__brand"], value)
    if by == "brand":
        return car_name(value, "")
    if by in CHOICE_LABELS:
        try:
            return str(CHOICE_LABELS[by](value).label)
        except ValueError:
            return str(_("Not recorded"))
    return value or str(_("Not recorded"))


def trends(w: Window, by: str = "brand") -> Report:
    by = by if by in TREND_BY else "brand"
    label, field = TREND_BY[by]
    keys = ["month", "group"] + (["vehicle__brand"] if by == "model" else [])
    found = (
        deals(w)
        .annotate(month=local_trunc("month", "created_at", w), group=F(field))
        .order_by()
        .values(*keys)
        .annotate(deals=Count("*"), revenue=Sum("price"))
    )
    rows = sorted(
        (
            {
                "month": _local_day(r["month"]),
                "group": _trend_label(by, r),
                "deals": r["deals"],
                "revenue": r["revenue"] or 0,
            }
            for r in found
        ),
        key=lambda r: (r["month"], -r["deals"], r["group"]),
    )
    columns = [
        Column("month", _("Month"), "month"),
        Column("group", label, TEXT),
        Column("deals", STAGE_LABELS["deals"]),
        Column("revenue", _("Revenue"), YUAN),
    ]
    return Report(
        "trends",
        _("Trends"),
        [
            Table(
                _("Deals by month and %(dimension)s") % {"dimension": label},
                columns,
                rows,
                Chart("line", "month", ["deals"], pivot="group"),
            )
        ],
    )


# --- salesperson scorecards ------------------------------------------------------------------------------------


def lost_to_pool(w: Window) -> dict[int, int]:
    """person id -> their prospects that went back to the pool in the range (released or reclaimed):
    the owner change history records the old owner as "<id>:<name>" and no new one."""
    changes = ChangeRecord.objects.filter(
        entity="customer",
        field="owner",
        new_value="",
        at__gte=w.since,
        at__lt=w.until,
    )
    if not w.everywhere:
        visible = _in_stores(scopes.customers_visible_to(w.user), "home_store_id", w)
        changes = changes.filter(entity_id__in=visible.values("pk"))
    if w.salesperson_id:
        changes = changes.filter(old_value__startswith=f"{w.salesperson_id}:")
    # Grouped in the database by the text before the colon (the id); heads that are not ids are skipped.
    heads = changes.annotate(head=Substr("old_value", 1, StrIndex("old_value", Value(":")) - 1)).exclude(head="")
    found: dict[int, int] = defaultdict(int)
    for head, n in heads.order_by().values_list("head").annotate(n=Count("*")):
        if head.isdigit():
            found[int(head)] += n
    return found


def _whole_months(w: Window) -> bool:
    """The window's notes are exactly those of its months: it starts on a month's first day and its last
    month has no note after its end (a whole month, or this month so far)."""
    if w.start.day != 1:
        return False
    if w.end == month_end(w.end):
        return True
    after = Communication.objects.filter(at__gte=w.until, at__lt=day_start(month_end(w.end) + timedelta(days=1)))
    return not after.exists()


def prospects_worked(w: Window) -> dict[int, int]:
    """person id -> the distinct customers they wrote a contact note about in the window.

    Managers and hq over whole months read the months worked (portal.reports.daily keeps them: one row
    per salesperson, customer and month, in the customer's home store, so a count of rows, without joining
    each note to its customer); other windows and a salesperson's own card count the notes."""
    if _own_card(w) or not _whole_months(w):
        rows = communications(w).filter(_in_range("at", w))
        return {k: v["n"] for k, v in _grouped(rows, "author_id", n=Count("customer_id", distinct=True)).items()}
    if month_start(w.start) == month_start(w.end):  # one month: its kept counts per person and store
        counts = _in_stores(WorkedCount.objects.filter(month=w.start), "store_id", w)
        if w.salesperson_id:
            counts = counts.filter(author_id=w.salesperson_id)
        return {k: v["n"] for k, v in _grouped(counts, "author_id", n=Sum("customers")).items() if v["n"]}
    months = _in_stores(
        WorkedMonth.objects.filter(month__gte=w.start, month__lte=month_start(w.end), notes__gt=0), "store_id", w
    )
    if w.salesperson_id:
        months = months.filter(author_id=w.salesperson_id)
    counted = Count("customer_id", distinct=True)
    return {k: v["n"] for k, v in _grouped(months, "author_id", n=counted).items()}


def scorecard_rows(w: Window) -> list[dict[str, Any]]:
    stores = list(store_names(w).values())
    ids = {w.salesperson_id} if w.salesperson_id else {s.user_id for s in people_of(stores)}
    worked = prospects_worked(w)
    plans = _grouped(
        follow_ups(w).filter(_in_range("due_at", w)),
        "owner_id",
        due=Count("*"),
        on_time=Count("id", filter=Q(done=True, done_at__lte=F("due_at"))),
    )
    sold = _grouped(deals(w), "salesperson_id", n=Count("*"), revenue=Sum("price"))
    satisfaction = _grouped(
        return_visits(w).filter(
            _in_range("done_at", w), status=ReturnVisitStatus.DONE, satisfaction_score__isnull=False
        ),
        "customer__owner_id",
        score=Avg("satisfaction_score"),
        n=Count("*"),
    )
    complained = _grouped(complaints(w).filter(_in_range("created_at", w)), "customer__owner_id", n=Count("*"))
    lost = lost_to_pool(w)
    names = people_names(ids)
    rows = []
    for pk in sorted(ids, key=lambda i: names.get(i, "")):
        prospects = worked.get(pk, 0)
        plan = plans.get(pk, {})
        deal = sold.get(pk, {})
        score = satisfaction.get(pk, {}).get("score")
        rows.append(
            {
                "person_id": pk,
                "name": names.get(pk, ""),
                "prospects_worked": prospects,
                "follow_ups_due": plan.get("due", 0),
                "follow_ups_on_time": plan.get("on_time", 0),
                "on_time_rate": ratio(plan.get("on_time", 0), plan.get("due", 0)),
                "lost_to_pool": lost.get(pk, 0),
                "deals": deal.get("n", 0),
                "revenue": deal.get("revenue") or 0,
                "conversion": ratio(deal.get("n", 0), prospects),
                "satisfaction": round(score, 2) if score is not None else None,
                "complaints": complained.get(pk, {}).get("n", 0),
                "_links": {
                    "name": reverse("reports:scorecard", args=[pk]) + "?" + urlencode(w.query()),
                    "deals": records_link("deals", w, salesperson=pk),
                },
            }
        )
    return rows


SCORECARD_COLUMNS = [
    Column("name", _("Salesperson"), TEXT),
    Column("prospects_worked", _("Prospects worked")),
    Column("follow_ups_due", _("Follow-ups due")),
    Column("follow_ups_on_time", _("Done on time")),
    Column("on_time_rate", _("On time"), PERCENT),
    Column("lost_to_pool", _("Lost to the pool")),
    Column("deals", STAGE_LABELS["deals"]),
    Column("revenue", _("Revenue"), YUAN),
    Column("conversion", _("Worked → deal"), PERCENT),
    Column("satisfaction", _("Satisfaction (1-5)"), SCORE),
    Column("complaints", _("Complaints")),
]


def scorecards(w: Window) -> Report:
    rows = scorecard_rows(w)
    return Report(
        "scorecards",
        _("Salesperson scorecards"),
        [Table(_("Salespeople"), SCORECARD_COLUMNS, rows, Chart("bar", "name", ["deals", "prospects_worked"]))],
    )


# --- service quality -------------------------------------------------------------------------------------------


def _complaints_grouped(rows: QuerySet, key: str, **sums: Any) -> dict[Any, dict[str, Any]]:
    """``_grouped`` of complaints, whose aggregates add up. By car model: grouped by the car first, then the
    cars' models read for those cars only and their figures added (a join of every complaint to the cars led
    PostgreSQL to read the whole vehicle table)."""
    if key != "vehicle__model":
        return _grouped(rows, key, **sums)
    per_car = _grouped(rows, "vehicle_id", **sums)
    models = dict(Vehicle.objects.filter(pk__in=[pk for pk in per_car if pk is not None]).values_list("pk", "model"))
    found: dict[Any, dict[str, Any]] = {}
    for car, figures in per_car.items():
        total = found.setdefault(models.get(car), dict.fromkeys(sums, 0))
        for name in sums:
            total[name] += figures[name] or 0
    return found


def _complaint_table(w: Window, title: Any, label: Any, key: str, namer: Callable[[Any], str]) -> Table:
    now = timezone.now()
    span = (w.end - w.start).days + 1
    before = replace(w, start=w.start - timedelta(days=span), end=w.start - timedelta(days=1))
    current = _complaints_grouped(
        complaints(w).filter(_in_range("created_at", w)),
        key,
        n=Count("*"),
        serious=Count("id", filter=Q(severity__in=("high", "critical"))),
        overdue=Count("id", filter=Q(status__in=UNRESOLVED, deadline__lt=now)),
        resolved=Count("id", filter=~Q(status__in=UNRESOLVED)),
        scored=Count("satisfaction_score"),
        score_sum=Sum("satisfaction_score"),
    )
    earlier = _complaints_grouped(complaints(before).filter(_in_range("created_at", before)), key, n=Count("*"))
    rows = []
    for value in sorted(set(current) | set(earlier), key=lambda v: -(current.get(v, {}).get("n", 0))):
        now_row = current.get(value, {})
        n = now_row.get("n", 0)
        score = now_row["score_sum"] / now_row["scored"] if now_row.get("scored") else None
        rows.append(
            {
                "group": namer(value),
                "complaints": n,
                "before": earlier.get(value, {}).get("n", 0),
                "growth": change(n, earlier.get(value, {}).get("n")),
                "serious": now_row.get("serious", 0),
                "overdue": now_row.get("overdue", 0),
                "resolved": now_row.get("resolved", 0),
                "resolved_rate": ratio(now_row.get("resolved", 0), n),
                "satisfaction": round(score, 2) if score is not None else None,
            }
        )
    columns = [
        Column("group", label, TEXT),
        Column("complaints", _("Complaints")),
        Column("before", _("The period before")),
        Column("growth", _("Growth"), PERCENT),
        Column("serious", _("High or critical")),
        Column("overdue", _("Open past the deadline")),
        Column("resolved", _("Resolved")),
        Column("resolved_rate", _("Resolved share"), PERCENT),
        Column("satisfaction", _("Satisfaction (1-5)"), SCORE),
    ]
    return Table(title, columns, rows, Chart("bar", "group", ["complaints", "overdue"]))


def _severity_name(value: Any) -> str:
    from portal.crm.models import Severity

    try:
        return str(Severity(value).label)
    except ValueError:
        return str(value)


def _cause_name(value: Any) -> str:
    try:
        return str(ComplaintCause(value).label)
    except ValueError:
        return str(_("Not recorded"))


# The complaint process's times (processes/complaint.bpmn): acknowledge by severity, then investigate in 3 days.
ACK_SLA = {"critical": timedelta(hours=2), "high": timedelta(hours=4), "medium": timedelta(hours=24)}
ACK_SLA_DEFAULT = timedelta(hours=48)
INVESTIGATION = timedelta(days=3)


def complaint_sla(w: Window) -> Table:
    """Per store, the complaints made in the range: acknowledged and resolved, within the SLA, and the mean
    hours it took (a few thousand rows a month for the group, summed here)."""
    stores = store_names(w)
    found: dict[int, dict[str, Any]] = {}
    rows = complaints(w).filter(_in_range("created_at", w)).order_by()
    for store, severity, status, made, acked, resolved in rows.values_list(
        "store_id", "severity", "status", "created_at", "acknowledged_at", "resolved_at"
    ).iterator():
        f = found.setdefault(store, defaultdict(float))
        f["complaints"] += 1
        sla = ACK_SLA.get(severity, ACK_SLA_DEFAULT)
        if acked is None and status != ComplaintStatus.OPEN:  # handled before the times were kept
            f["not_recorded"] += 1
        if acked is not None:
            f["acknowledged"] += 1
            f["ack_hours"] += (acked - made).total_seconds() / 3600
            f["ack_on_time"] += acked - made <= sla
        if resolved is not None:
            f["resolved"] += 1
            f["resolve_hours"] += (resolved - made).total_seconds() / 3600
            f["resolved_on_time"] += resolved - made <= sla + INVESTIGATION
    table_rows = []
    for pk, f in sorted(found.items(), key=lambda kv: stores[kv[0]].name if kv[0] in stores else str(kv[0])):
        table_rows.append(
            {
                "store": stores[pk].name if pk in stores else str(pk),
                "complaints": int(f["complaints"]),
                "not_recorded": int(f["not_recorded"]),
                "acknowledged": int(f["acknowledged"]),
                "ack_on_time": ratio(int(f["ack_on_time"]), int(f["acknowledged"])),
                "ack_hours": round(f["ack_hours"] / f["acknowledged"], 1) if f["acknowledged"] else None,
                "resolved": int(f["resolved"]),
                "resolved_on_time": ratio(int(f["resolved_on_time"]), int(f["resolved"])),
                "resolve_hours": round(f["resolve_hours"] / f["resolved"], 1) if f["resolved"] else None,
            }
        )
    columns = [
        Column("store", _("Store"), TEXT),
        Column("complaints", _("Complaints")),
        Column("not_recorded", _("Times not recorded")),
        Column("acknowledged", _("Acknowledged")),
        Column("ack_on_time", _("Acknowledged within the SLA"), PERCENT),
        Column("ack_hours", _("Hours to acknowledge"), SCORE),
        Column("resolved", _("Resolved")),
        Column("resolved_on_time", _("Resolved within the SLA"), PERCENT),
        Column("resolve_hours", _("Hours to resolve"), SCORE),
    ]
    return Table(
        _("Complaint SLA by store"), columns, table_rows, Chart("bar", "store", ["ack_on_time", "resolved_on_time"])
    )


def service_quality(w: Window) -> Report:
    stores = store_names(w)
    satisfaction = _grouped(
        return_visits(w)
        .filter(_in_range("done_at", w), status=ReturnVisitStatus.DONE, satisfaction_score__isnull=False)
        .annotate(month=local_trunc("month", "done_at", w)),
        "month",
        score=Avg("satisfaction_score"),
        n=Count("*"),
    )
    index_rows = [
        {"month": _local_day(k), "satisfaction": round(v["score"], 2), "visits": v["n"]}
        for k, v in sorted(satisfaction.items())
    ]
    return Report(
        "service",
        _("Service quality"),
        [
            _complaint_table(
                w,
                _("Complaints by category (hot spots first)"),
                _("Category"),
                "category",
                lambda v: v or str(_("Not recorded")),
            ),
            _complaint_table(
                w, _("Complaints by store"), _("Store"), "store_id", lambda v: stores[v].name if v in stores else str(v)
            ),
            _complaint_table(w, _("Complaints by severity"), _("Severity"), "severity", _severity_name),
            _complaint_table(
                w, _("Complaints by car model"), _("Model"), "vehicle__model", lambda v: v or str(_("No car named"))
            ),
            Table(
                _("Satisfaction index from return visits"),
                [
                    Column("month", _("Month"), "month"),
                    Column("satisfaction", _("Satisfaction (1-5)"), SCORE),
                    Column("visits", _("Return visits scored")),
                ],
                index_rows,
                Chart("line", "month", ["satisfaction"]),
            ),
            complaint_sla(w),
            _complaint_table(w, _("Complaints by cause"), _("Cause"), "cause", _cause_name),
        ],
        method=_(
            "Acknowledged within the SLA: handling started within the complaint process's time for its "
            "severity (critical 2 hours, high 4, medium 24, low 48). Resolved within the SLA: marked resolved "
            "within that time plus the investigation's 3 days. Complaints recorded before these times were kept "
            "are counted apart as not recorded. Open past the deadline counts complaints still open."
        ),
    )


# --- stock -----------------------------------------------------------------------------------------------------


def _age_filters(now: datetime) -> dict[str, Any]:
    """A car's age in stock counts from its arrival in its store (``in_store_since``)."""
    found = {}
    for key, low, high in AGE_BUCKETS:
        q = Q(in_store_since__lte=now - timedelta(days=low)) if low else Q()
        if high is not None:
            q &= Q(in_store_since__gt=now - timedelta(days=high + 1))
        found[key] = Count("id", filter=q)
    return found


def stock(w: Window) -> Report:
    now = timezone.now()
    # Arrival in its current store (intake or a transfer's arrival); a car recorded before arrivals were
    # kept, and not filled from its history, counts from the day it was recorded.
    current = vehicles(w).filter(status__in=IN_STOCK).annotate(in_store_since=Coalesce("arrived_at", "created_at"))
    per_store = _grouped(
        current,
        "store_id",
        total=Count("*"),
        in_stock=Count("id", filter=Q(status=VehicleStatus.IN_STOCK)),
        reserved=Count("id", filter=Q(status=VehicleStatus.RESERVED)),
        in_transfer=Count("id", filter=Q(status=VehicleStatus.IN_TRANSFER)),
        **_age_filters(now),
    )
    sold = _grouped(deals(w), "store_id", n=Count("*"))
    days = (w.end - w.start).days + 1
    rows = []
    for pk, store in sorted(store_names(w).items(), key=lambda s: s[1].name):
        found = per_store.get(pk, {})
        total = found.get("total", 0)
        row = {"store": store.name, "total": total, "sold": sold.get(pk, {}).get("n", 0)}
        for key in ("in_stock", "reserved", "in_transfer", *(b[0] for b in AGE_BUCKETS)):
            row[key] = found.get(key, 0)
        row["turnover"] = ratio(row["sold"], total)
        row["days_of_stock"] = round(total / row["sold"] * days) if row["sold"] else None
        row["_links"] = {"in_stock": vehicles_link(store=pk, status=VehicleStatus.IN_STOCK)}
        rows.append(row)
    brands = _grouped(current, "brand", total=Count("*"), oldest=Min("in_store_since"), **_age_filters(now))
    brand_rows = [
        {
            "brand": car_name(brand, ""),
            "total": v["total"],
            **{key: v[key] for key, *_ in AGE_BUCKETS},
            "oldest": (now - v["oldest"]).days if v["oldest"] else None,
            "_links": {"total": vehicles_link(brand=brand, status=VehicleStatus.IN_STOCK)},
        }
        for brand, v in sorted(brands.items(), key=lambda b: -b[1]["total"])
    ]
    ages = [
        Column(key, label)
        for key, label in zip(
            (b[0] for b in AGE_BUCKETS),
            (_("0-30 days"), _("31-60 days"), _("61-90 days"), _("Over 90 days")),
            strict=True,
        )
    ]
    return Report(
        "stock",
        _("Stock"),
        [
            Table(
                _("Cars per store (now)"),
                [
                    Column("store", _("Store"), TEXT),
                    Column("total", _("Cars held")),
                    Column("in_stock", _("In stock")),
                    Column("reserved", _("Reserved")),
                    Column("in_transfer", _("In transfer")),
                    *ages,
                    Column("sold", _("Deals in the range")),
                    Column("turnover", _("Turnover (deals per car held)"), PERCENT),
                    Column("days_of_stock", _("Days of stock"), DAYS),
                ],
                rows,
                Chart("bar", "store", [b[0] for b in AGE_BUCKETS], stack=True),
            ),
            Table(
                _("Cars by brand (now)"),
                [
                    Column("brand", _("Brand"), TEXT),
                    Column("total", _("Cars held")),
                    *ages,
                    Column("oldest", _("Longest in stock"), DAYS),
                ],
                brand_rows,
                Chart("bar", "brand", ["total"]),
            ),
        ],
        method=_(
            "A car's age is counted from its arrival in its store (its intake, or its last transfer's "
            "arrival). Turnover is the range's deals divided by the cars held now."
        ),
    )


# --- process performance (engine.api only) ---------------------------------------------------------------------


def work_items(w: Window) -> QuerySet:
    rows = api.WorkItem.objects.filter(created_at__gte=w.since, created_at__lt=w.until)
    if not w.everywhere:  # group-wide work (no store) is hq's, seen only without a store filter
        rows = rows.filter(store_id__in=w.store_ids)
    return rows.filter(assignee_id=w.salesperson_id) if w.salesperson_id else rows


def process_performance(w: Window) -> Report:
    now = timezone.now()
    found = (
        work_items(w)
        .exclude(process_id="")
        .order_by()
        .values("process_id", "element_id")
        .annotate(
            title=Min("title"),
            done=Count("id", filter=Q(status=api.ItemStatus.DONE)),
            waiting=Count("id", filter=Q(status=api.ItemStatus.OPEN)),
            oldest=Min("created_at", filter=Q(status=api.ItemStatus.OPEN)),
            breaches=Count(
                "id",
                filter=Q(due_at__isnull=False)
                & (
                    Q(status=api.ItemStatus.DONE, completed_at__gt=F("due_at"))
                    | Q(status=api.ItemStatus.OPEN, due_at__lt=now)
                ),
            ),
        )
    )
    spent = _step_hours(w)
    names = api.process_names({r["process_id"] for r in found})
    rows = []
    for r in found:
        key = (r["process_id"], r["element_id"])
        rows.append(
            {
                "process": names.get(r["process_id"]) or r["process_id"],
                "step": r["title"],
                "done": r["done"],
                "average_hours": spent.get(key),
                "waiting": r["waiting"],
                "longest_wait_days": round((now - r["oldest"]).total_seconds() / 86400, 1) if r["oldest"] else None,
                "breaches": r["breaches"],
                "breach_rate": ratio(r["breaches"], r["done"] + r["waiting"]),
            }
        )
    rows.sort(key=lambda r: (-(r["longest_wait_days"] or 0), r["process"], r["step"]))
    for row in rows:
        row["label"] = f"{row['process']} · {row['step']}"
    columns = [
        Column("process", _("Process"), TEXT),
        Column("step", _("Step"), TEXT),
        Column("done", _("Done")),
        Column("average_hours", _("Average time (hours)"), SCORE),
        Column("waiting", _("Waiting now")),
        Column("longest_wait_days", _("Longest wait (days)"), SCORE),
        Column("breaches", _("Past the due time")),
        Column("breach_rate", _("Share past due"), PERCENT),
    ]
    return Report(
        "process",
        _("Process performance"),
        [
            Table(
                _("Steps of the processes (work opened in the range)"),
                columns,
                rows,
                Chart("bar", "label", ["waiting", "breaches"]),
            )
        ],
    )


def _step_hours(w: Window) -> dict[tuple[str, str], float]:
    """(process, step) -> the average hours from opening to done, over the items done."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    done = work_items(w).filter(status=api.ItemStatus.DONE, completed_at__isnull=False).exclude(process_id="")
    for process, element, opened, closed in done.values_list(
        "process_id", "element_id", "created_at", "completed_at"
    ).iterator():
        entry = totals[(process, element)]
        entry[0] += (closed - opened).total_seconds()
        entry[1] += 1
    return {key: round(s / n / 3600, 1) for key, (s, n) in totals.items() if n}


# --- the forecast ----------------------------------------------------------------------------------------------

HISTORY_MONTHS = 24
BACKTEST_MONTHS = 6


def monthly_deals(w: Window, first: date, last: date) -> dict[tuple[int, date], int]:
    """(store, month) -> deals, for the whole months first..last: one indexed range count per month (a
    month truncation per row is a Python function on SQLite, slow over two years of orders)."""
    found: dict[tuple[int, date], int] = {}
    month = month_start(first)
    while month <= last:
        span = replace(w, start=month, end=add_months(month, 1) - timedelta(days=1))
        for store, row in _grouped(deals(span), "store_id", n=Count("*")).items():
            found[(store, month)] = row["n"]
        month = add_months(month, 1)
    return found


def seasonal_naive(history: dict[date, int], month: date, first: date) -> float | None:
    """The deals of the same month a year earlier; without that year of history, the mean of the three
    months before. None without any history."""
    year_before = add_months(month, -12)
    if year_before >= first:
        return float(history.get(year_before, 0))
    recent = [add_months(month, -k) for k in (1, 2, 3)]
    known = [history.get(m, 0) for m in recent if m >= first]
    return sum(known) / len(known) if known else None


def forecast(w: Window) -> Report:
    this_month = month_start(today())
    first = add_months(this_month, -HISTORY_MONTHS)
    counts = monthly_deals(w, first, this_month - timedelta(days=1))
    stores = store_names(w)
    ahead = [add_months(this_month, k) for k in range(3)]
    tested = [add_months(this_month, -k) for k in range(BACKTEST_MONTHS, 0, -1)]
    rows = []
    series: dict[str, dict[date, int]] = {}
    for pk, store in sorted(stores.items(), key=lambda s: s[1].name):
        series[store.name] = {m: n for (s, m), n in counts.items() if s == pk}
    series[str(_("The whole group"))] = {
        m: sum(n for (s, mm), n in counts.items() if mm == m) for m in {m for (_s, m) in counts}
    }
    for name, history in series.items():
        row: dict[str, Any] = {"store": name}
        for k, month in enumerate(ahead):
            # Months not yet seen forecast from what would be known: a year back always is (k < 3 < 12).
            guess = seasonal_naive(history, month, first)
            row[f"month_{k}"] = round(guess, 1) if guess is not None else None
        errors = []
        for month in tested:
            guess = seasonal_naive({m: n for m, n in history.items() if m < month}, month, first)
            if guess is not None:
                errors.append(abs(guess - history.get(month, 0)))
        row["mae"] = round(sum(errors) / len(errors), 1) if errors else None
        row["last_month"] = history.get(add_months(this_month, -1), 0)
        rows.append(row)
    columns = [
        Column("store", _("Store"), TEXT),
        Column("last_month", _("Deals last month")),
        *[Column(f"month_{k}", date_format(month, "YEAR_MONTH_FORMAT"), SCORE) for k, month in enumerate(ahead)],
        Column("mae", _("Average error on the past six months (deals)"), SCORE),
    ]
    return Report(
        "forecast",
        _("Deal forecast"),
        [
            Table(
                _("Deals forecast for the next three months"),
                columns,
                rows,
                Chart("bar", "store", [f"month_{k}" for k in range(3)]),
            )
        ],
        method=_(
            "Seasonal naive: a month's forecast is the deals of the same month a year earlier; a store "
            "with less than a year of history gets the mean of its three months before. The error is "
            "the mean absolute difference between that forecast and the actual deals over the past "
            "six months. The forecast ignores the date range."
        ),
    )


REPORTS: dict[str, tuple[Any, Callable[..., Report]]] = {
    "funnel": (_("Sales funnel"), funnel),
    "periods": (_("Period report"), periods),
    "trends": (_("Trends"), trends),
    "scorecards": (_("Salesperson scorecards"), scorecards),
    "service": (_("Service quality"), service_quality),
    "channels": (_("Channels"), channels),
    "stock": (_("Stock"), stock),
    "process": (_("Process performance"), process_performance),
    "forecast": (_("Deal forecast"), forecast),
}
# The choice each report offers beside the filter (?by= or ?period=), and its options.
REPORT_OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "funnel": ("by", FUNNEL_BY),
    "periods": ("period", {k: v[0] for k, v in PERIODS.items()}),
    "trends": ("by", {k: v[0] for k, v in TREND_BY.items()}),
}


def run(name: str, w: Window, option: str = "") -> Report:
    function = REPORTS[name][1]
    return function(w, option) if name in REPORT_OPTIONS and option else function(w)
