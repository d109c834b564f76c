"""Stock changes queue a thresholds check for the store (after the change commits): a car
saved, or moved between statuses (reserved, sold, sent on a transfer, received, bought back)."""

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.celery import app

from ..fsm import status_changed
from ..models import Vehicle

log = logging.getLogger(__name__)


def _queue(store_id: int) -> None:
    # The project's Celery app (broker from settings): Celery's default app would send to a
    # broker nobody reads. By name: the worker package (and what it imports) stays out of the
    # web process. The nightly sweep catches anything lost.
    try:
        app.send_task("workers.tasks.stock_changed", args=[store_id])
    except Exception as err:  # noqa: BLE001 - a broker that is down must not fail the change
        log.warning("thresholds check for store %s not queued: %s", store_id, err)


class _StockChecks:
    """The stores one transaction touched: one check each when it commits, however many cars
    it changed (loading the demo data changes hundreds)."""

    def __init__(self) -> None:
        self.stores: set[int] = set()
        self.sent = False

    def __call__(self) -> None:
        self.sent = True
        for store_id in sorted(self.stores):
            _queue(store_id)


def _check_after_commit(*store_ids: int) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        for store_id in store_ids:
            _queue(store_id)
        return
    # This transaction's collector, if it registered one (a rollback drops it with the list).
    pending = next(
        (hook for _, hook, *_ in connection.run_on_commit if isinstance(hook, _StockChecks) and not hook.sent), None
    )
    if pending is None:
        pending = _StockChecks()
        transaction.on_commit(pending)
    pending.stores.update(store_ids)


@receiver(post_save, sender=Vehicle, dispatch_uid="crm.stock_changed")
def vehicle_saved(sender: Any, instance: Vehicle, **kwargs: Any) -> None:
    _check_after_commit(instance.store_id)


@receiver(status_changed, sender=Vehicle, dispatch_uid="crm.stock_moved")
def vehicle_moved(sender: Any, instance: Vehicle, before: dict[str, Any], **kwargs: Any) -> None:
    moved_from = before.get("store")
    _check_after_commit(instance.store_id, *([getattr(moved_from, "pk", moved_from)] if moved_from else []))
