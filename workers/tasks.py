"""Worker tasks. Each calls one engine function, is safe to run twice, and can be retried.

The due-timer and incident tables are the source of truth: a lost or repeated
message changes nothing, because the next beat finds what is still due.
"""

from celery import shared_task

from engine import api, sql


@shared_task(acks_late=True)
def fire_due_timers() -> int:
    return api.fire_due_timers()


@shared_task(acks_late=True)
def retry_incidents() -> int:
    return api.retry_due_incidents()


@shared_task(acks_late=True)
def checkpoint_database() -> bool:
    return sql.checkpoint_wal()
