"""Keeps ``CommunicationDay`` in step with the communications (see portal/reports/models.py).

Each change adds to or takes from one (day, store, author) bucket in one statement (an upsert that adds, so
two notes saved at once both count). A note moved to another day, customer or author leaves its old bucket
and joins its new one; a customer moved to another store takes their notes along. ``rebuild`` recounts
everything (or a range of days) from the notes themselves, inside one transaction.
"""

from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from portal.crm import events
from portal.crm.models import Communication, Customer

from .models import CommunicationDay
from .window import zone

Bucket = tuple[date, int, int]


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


def _bucket(note: Communication) -> Bucket | None:
    store = Customer.objects.filter(pk=note.customer_id).values_list("home_store_id", flat=True).first()
    return None if store is None else (day_of(note.at), store, note.author_id)


def _before_note_saved(sender: Any, instance: Communication, raw: bool = False, **kwargs: Any) -> None:
    vars(instance)["_reports_old"] = None
    if instance.pk and not raw:
        old = Communication.objects.filter(pk=instance.pk).only("at", "customer_id", "author_id").first()
        vars(instance)["_reports_old"] = _bucket(old) if old else None


def _note_saved(sender: Any, instance: Communication, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    new = _bucket(instance)
    old = getattr(instance, "_reports_old", None)
    if old == new:
        return
    if old:
        add(old, -1)
    if new:
        add(new, 1)


def _before_note_deleted(sender: Any, instance: Communication, **kwargs: Any) -> None:
    vars(instance)["_reports_old"] = _bucket(instance)


def _note_deleted(sender: Any, instance: Communication, **kwargs: Any) -> None:
    old = getattr(instance, "_reports_old", None)
    if old:
        add(old, -1)


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
    """Recount the buckets of the days first..last (every day without them) from the notes; returns how
    many buckets were written."""
    buckets = CommunicationDay.objects.all()
    notes = Communication.objects.all()
    if first:
        buckets = buckets.filter(day__gte=first)
        notes = notes.filter(at__gte=datetime.combine(first, datetime.min.time(), tzinfo=zone()))
    if last:
        buckets = buckets.filter(day__lte=last)
        notes = notes.filter(at__lt=datetime.combine(last, datetime.max.time(), tzinfo=zone()))
    buckets.delete()
    rows = (
        notes.annotate(day=TruncDate("at", tzinfo=zone()))
        .order_by()
        .values_list("day", "customer__home_store_id", "author_id")
        .annotate(n=Count("id"))
    )
    made = [CommunicationDay(day=d, store_id=s, author_id=a, count=n) for d, s, a, n in rows.iterator()]
    CommunicationDay.objects.bulk_create(made, batch_size=5000)
    return len(made)
