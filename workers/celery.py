"""The Celery app: timers, incident retries, and (later) sweeps and reminders.

Broker: Redis when REDIS_URL is set, else the filesystem transport, which needs
no server and works across the web, worker and beat processes of one machine.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("lotflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "fire-due-timers": {"task": "workers.tasks.fire_due_timers", "schedule": 60.0},
    "retry-incidents": {"task": "workers.tasks.retry_incidents", "schedule": 60.0},
    "checkpoint-database": {"task": "workers.tasks.checkpoint_database", "schedule": 30.0},
}
app.autodiscover_tasks(["workers"])
