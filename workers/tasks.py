"""Worker tasks. Each calls one engine or CRM function, is safe to run twice, and can be retried.

The due-timer, incident and CRM tables are the source of truth: a lost or
repeated message changes nothing, because the next run finds what is still
due and skips what is done (sweeps key their work items and use conditional
updates).
"""

from typing import Any

from celery import shared_task

from engine import api
from portal.care.delivery import TryLater, message_deliver
from portal.care.sweep import care_sweep as care_sweep_run
from portal.crm.services.lead_import import lead_import_run
from portal.crm.sweeps import SWEEPS


@shared_task(acks_late=True)
def fire_due_timers() -> int:
    return api.fire_due_timers()


@shared_task(acks_late=True)
def retry_incidents() -> int:
    return api.retry_due_incidents()


@shared_task(acks_late=True)
def checkpoint_database() -> bool:
    return api.checkpoint_database()


@shared_task(acks_late=True)
def sweep(name: str) -> dict[str, int]:
    """One of the CRM's sweeps: reclaim, reminders, thresholds, scores."""
    return dict(SWEEPS[name]().actions)


@shared_task(acks_late=True)
def stock_changed(store_id: int) -> dict[str, int]:
    """Thresholds for one store, queued when its stock changes."""
    return dict(SWEEPS["thresholds"](store_ids=[store_id]).actions)


@shared_task(acks_late=True)
def import_leads(job_id: int) -> dict[str, int]:
    """A lead file's rows, queued by the import page; a redelivered run resumes after the last row done."""
    job = lead_import_run(job_id)
    return {"created": job.created, "merged": job.merged, "refused": len(job.errors)}


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_message(self: Any, message_id: int) -> str:
    """One customer message (portal.care): sent once; retried with backoff while the provider is
    unavailable, then recorded as failed with its reason (portal.care.delivery)."""
    try:
        return message_deliver(message_id=message_id)
    except TryLater as later:
        raise self.retry(countdown=later.seconds) from later


@shared_task(acks_late=True)
def care_sweep() -> dict[str, int]:
    """Confirmations a booking missed, and queued messages whose task was lost (portal.care.sweep)."""
    return care_sweep_run()
