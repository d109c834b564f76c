"""The Celery app: timers, incident retries, the nightly sweeps and the daily reminders.

Broker: Redis when REDIS_URL is set, else the filesystem transport, which needs
no server and works across the web, worker and beat processes of one machine.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("lotflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "fire-due-timers": {"task": "workers.tasks.fire_due_timers", "schedule": 60.0},
    "retry-incidents": {"task": "workers.tasks.retry_incidents", "schedule": 60.0},
    "checkpoint-database": {"task": "workers.tasks.checkpoint_database", "schedule": 30.0},
    # Times are in settings.TIME_ZONE (the dealers' local time).
    "reclaim-nightly": {"task": "workers.tasks.sweep", "args": ["reclaim"], "schedule": crontab(hour=2, minute=0)},
    "thresholds-nightly": {"task": "workers.tasks.sweep", "args": ["thresholds"],
                           "schedule": crontab(hour=3, minute=0)},
    "scores-nightly": {"task": "workers.tasks.sweep", "args": ["scores"], "schedule": crontab(hour=4, minute=0)},
    "reminders-daily": {"task": "workers.tasks.sweep", "args": ["reminders"], "schedule": crontab(hour=7, minute=30)},
}
app.autodiscover_tasks(["workers"])
