"""The project's Celery app with a beat schedule of one-second ticks, for the fault tests' beats.

``celery -A tests.faults.fastbeat beat`` runs LotFlow's app and scheduler (portal/ops/beat.py) unchanged, only
sooner: the checkpoint task (harmless on PostgreSQL) every second, so that a test sees within seconds whether a
beat still sends, and whether two beats send twice. ``tests.faults.fastbeat:timers`` is the same app with due
timers fired every second too.
"""

from celery import Celery

from portal.celery import app

CHECKPOINT = {"task": "workers.tasks.checkpoint_database", "schedule": 1.0}
app.conf.beat_schedule = {"checkpoint-database": CHECKPOINT}

timers = Celery("lotflow")
timers.config_from_object("django.conf:settings", namespace="CELERY")
timers.conf.beat_schedule = {
    "checkpoint-database": CHECKPOINT,
    "fire-due-timers": {"task": "workers.tasks.fire_due_timers", "schedule": 1.0},
}

__all__ = ["app", "timers"]
