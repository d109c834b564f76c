"""Stock changes queue a thresholds check for the store (after the change commits): a car
saved, or moved between statuses (reserved, sold, sent on a transfer, received, bought back)."""

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..fsm import status_changed
from ..models import Vehicle

log = logging.getLogger(__name__)


def _queue(store_id: int) -> None:
    # The configured Celery app (broker from settings): the web process has no other, and
    # Celery's default app would send to a broker nobody reads. By name: the tasks module
    # (and what it imports) stays out of the web process. The nightly sweep catches anything lost.
    from workers.celery import app

    try:
        app.send_task("workers.tasks.stock_changed", args=[store_id])
    except Exception as err:  # noqa: BLE001 - a broker that is down must not fail the change
        log.warning("thresholds check for store %s not queued: %s", store_id, err)


@receiver(post_save, sender=Vehicle, dispatch_uid="crm.stock_changed")
def vehicle_saved(sender: Any, instance: Vehicle, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _queue(instance.store_id))


@receiver(status_changed, sender=Vehicle, dispatch_uid="crm.stock_moved")
def vehicle_moved(sender: Any, instance: Vehicle, before: dict[str, Any], **kwargs: Any) -> None:
    stores = {instance.store_id}
    if "store" in before and before["store"] is not None:
        stores.add(before["store"].pk if hasattr(before["store"], "pk") else before["store"])
    for store_id in sorted(stores):
        transaction.on_commit(lambda store_id=store_id: _queue(store_id))
