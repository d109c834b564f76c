"""Keeps ``CommunicationDay`` and ``WorkedMonth`` in step with the communications (portal/reports/models.py).

Each change adds to or takes from one (day, store, author) bucket and one (month, author, customer) row in
one statement each (an upsert that adds, so two notes saved at once both count). A note moved to another
day, customer or author leaves its old bucket and joins its new one; a customer moved to another store takes
their notes along. ``rebuild`` recounts everything (or a range of days, widened to whole months for
``WorkedMonth``) from the notes themselves, inside one transaction.
"""

from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from portal.crm import events
from portal.crm.models import Communication, Customer

from .models import CommunicationDay, WorkedCount, WorkedMonth
from .window import month_end, month_start, zone

Bucket = tuple[date, int, int]
# A note's place in the figures: its day, the customer's home store, the author and the customer.
Place = tuple[date, int, int, int]


def day_of(at: datetime) -> date:
    return timezone.localtime(at, zone()).date() if timezone.is_aware(at) else at.date()


def add(bucket: Bucket, n: int) -> None:
    """Add ``n`` (negative to take) to one bucket."""
    if not n:
        return
    table = CommunicationDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, store_id, author_id, count) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (day, store_id, author_id) DO UPDATE SET count = {table}.count + excluded.count",
            [connection.ops.adapt_datefield_value(bucket[0]), bucket[1], bucket[2], n],
        )


def add_worked(month: date, store: int, author: int, customer: int, n: int) -> None:
    """Add ``n`` notes (negative to take) to a salesperson's month with a customer; when that row starts or
    stops having notes, the person's month in the customer's store counts one customer more or fewer
    (``WorkedCount``). The upsert returns the row's new notes under its row lock, so of two notes saved at
    once each sees its own before and after, and only one of them counts the customer."""
    if not n:
        return
    table = WorkedMonth._meta.db_table
    day = connection.ops.adapt_datefield_value(month)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, store_id, author_id, customer_id, notes) VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT (month, author_id, customer_id) DO UPDATE SET notes = {table}.notes + excluded.notes, "
            "store_id = excluded.store_id RETURNING notes",
            [day, store, author, customer, n],
        )
        after = cursor.fetchone()[0]
    before = after - n
    if before <= 0 < after:
        add_count(month, store, author, 1)
    elif after <= 0 < before:
        add_count(month, store, author, -1)


def add_count(month: date, store: int, author: int, n: int) -> None:
    """Add ``n`` customers (negative to take) to a person's month worked in a store."""
    table = WorkedCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, store_id, author_id, customers) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (month, store_id, author_id) DO UPDATE SET customers = {table}.customers + "
            "excluded.customers",
            [connection.ops.adapt_datefield_value(month), store, author, n],
        )


def _place(note: Communication) -> Place | None:
    store = Customer.objects.filter(pk=note.customer_id).values_list("home_store_id", flat=True).first()
    return None if store is None else (day_of(note.at), store, note.author_id, note.customer_id)


def _count(place: Place, n: int) -> None:
    day, store, author, customer = place
    add((day, store, author), n)
    add_worked(month_start(day), store, author, customer, n)


def _before_note_saved(sender: Any, instance: Communication, raw: bool = False, **kwargs: Any) -> None:
    vars(instance)["_reports_old"] = None
    if instance.pk and not raw:
        old = Communication.objects.filter(pk=instance.pk).only("at", "customer_id", "author_id").first()
        vars(instance)["_reports_old"] = _place(old) if old else None


def _note_saved(sender: Any, instance: Communication, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    new = _place(instance)
    old = getattr(instance, "_reports_old", None)
    if old == new:
        return
    if old:
        _count(old, -1)
    if new:
        _count(new, 1)


def _before_note_deleted(sender: Any, instance: Communication, **kwargs: Any) -> None:
    vars(instance)["_reports_old"] = _place(instance)


def _note_deleted(sender: Any, instance: Communication, **kwargs: Any) -> None:
    old = getattr(instance, "_reports_old", None)
    if old:
        _count(old, -1)


def _before_customer_saved(sender: Any, instance: Customer, raw: bool = False, **kwargs: Any) -> None:
    vars(instance)["_reports_store"] = None
    if instance.pk and not raw:
        old = Customer.objects.filter(pk=instance.pk).values_list("home_store_id", flat=True).first()
        vars(instance)["_reports_store"] = old


def _customer_saved(sender: Any, instance: Customer, raw: bool = False, **kwargs: Any) -> None:
    old = getattr(instance, "_reports_store", None)
    if raw or old is None or old == instance.home_store_id:
        return
    customer_moved(instance.pk, old, instance.home_store_id)


def customer_moved(customer_id: int, old_store: int, new_store: int) -> None:
    """A customer's notes follow them to their new home store (also for callers that update rows directly)."""
    notes = Communication.objects.filter(customer_id=customer_id).values_list("at", "author_id")
    counts: dict[tuple[date, int], int] = {}
    for at, author in notes:
        key = (day_of(at), author)
        counts[key] = counts.get(key, 0) + 1
    for (day, author), n in counts.items():
        add((day, old_store, author), -n)
        add((day, new_store, author), n)
    worked = WorkedMonth.objects.filter(customer_id=customer_id)
    for month, store, author in (
        worked.filter(notes__gt=0).exclude(store_id=new_store).values_list("month", "store_id", "author_id")
    ):
        add_count(month, store, author, -1)
        add_count(month, new_store, author, 1)
    worked.update(store_id=new_store)


def _customer_moved(sender: Any, customer_id: int, old_store: int, new_store: int, **kwargs: Any) -> None:
    customer_moved(customer_id, old_store, new_store)


def connect() -> None:
    events.customer_moved.connect(_customer_moved, dispatch_uid="reports_customer_moved")
    pre_save.connect(_before_note_saved, sender=Communication, dispatch_uid="reports_note_pre_save")
    post_save.connect(_note_saved, sender=Communication, dispatch_uid="reports_note_saved")
    pre_delete.connect(_before_note_deleted, sender=Communication, dispatch_uid="reports_note_pre_delete")
    post_delete.connect(_note_deleted, sender=Communication, dispatch_uid="reports_note_deleted")
    pre_save.connect(_before_customer_saved, sender=Customer, dispatch_uid="reports_customer_pre_save")
    post_save.connect(_customer_saved, sender=Customer, dispatch_uid="reports_customer_saved")


@transaction.atomic
def rebuild(first: date | None = None, last: date | None = None) -> int:
    """Recount the figures of the days first..last (every day without them; whole months for the months
    worked) from the notes; returns how many rows were written."""
    return rebuild_days(first, last) + rebuild_months(first and month_start(first), last and month_end(last))


def _notes_between(first: date | None, last: date | None) -> QuerySet:
    notes = Communication.objects.all()
    if first:
        notes = notes.filter(at__gte=datetime.combine(first, datetime.min.time(), tzinfo=zone()))
    if last:
        notes = notes.filter(at__lt=datetime.combine(last, datetime.max.time(), tzinfo=zone()))
    return notes


def _insert_from(model: Any, columns: str, rows: QuerySet) -> int:
    """INSERT INTO the kept table the rows of a grouped query of the notes, in the database (a recount of
    millions of notes never passes through Python); returns how many were written."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {sql}", params)
        return max(cursor.rowcount, 0)


def rebuild_days(first: date | None, last: date | None) -> int:
    buckets = CommunicationDay.objects.all()
    notes = _notes_between(first, last)
    if first:
        buckets = buckets.filter(day__gte=first)
    if last:
        buckets = buckets.filter(day__lte=last)
    buckets.delete()
    rows = (
        notes.annotate(day=TruncDate("at", tzinfo=zone()))
        .order_by()
        .values_list("day", "customer__home_store_id", "author_id")
        .annotate(n=Count("id"))
    )
    return _insert_from(CommunicationDay, "day, store_id, author_id, count", rows)


def rebuild_months(first: date | None, last: date | None) -> int:
    rows = WorkedMonth.objects.all()
    if first:
        rows = rows.filter(month__gte=first)
    if last:
        rows = rows.filter(month__lte=last)
    rows.delete()
    counted = (
        _notes_between(first, last)
        .annotate(month=TruncMonth("at", output_field=DateField(), tzinfo=zone()))
        .order_by()
        .values_list("month", "customer__home_store_id", "author_id", "customer_id")
        .annotate(n=Count("id"))
    )
    written = _insert_from(WorkedMonth, "month, store_id, author_id, customer_id, notes", counted)
    return written + rebuild_counts(first, last)


def rebuild_counts(first: date | None, last: date | None) -> int:
    """Recount ``WorkedCount`` of the months first..last from ``WorkedMonth``."""
    counts, months = WorkedCount.objects.all(), WorkedMonth.objects.filter(notes__gt=0)
    if first:
        counts, months = counts.filter(month__gte=first), months.filter(month__gte=first)
    if last:
        counts, months = counts.filter(month__lte=last), months.filter(month__lte=last)
    counts.delete()
    grouped = months.order_by().values_list("month", "store_id", "author_id").annotate(n=Count("*"))
    return _insert_from(WorkedCount, "month, store_id, author_id, customers", grouped)
