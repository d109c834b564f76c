"""Stock changes queue a thresholds check for the store (after the change commits)."""

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import Vehicle

log = logging.getLogger(__name__)


def _queue(store_id: int) -> None:
    try:
        # By name: the portal does not import the workers; the nightly sweep catches anything lost.
        current_app.send_task("workers.tasks.stock_changed", args=[store_id])
    except Exception as err:  # noqa: BLE001 - a broker that is down must not fail the change
        log.warning("thresholds check for store %s not queued: %s", store_id, err)


@receiver(post_save, sender=Vehicle, dispatch_uid="crm.stock_changed")
def vehicle_saved(sender: Any, instance: Vehicle, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _queue(instance.store_id))
