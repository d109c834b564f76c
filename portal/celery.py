"""The Celery app, laid out as Celery's Django guide does: it lives in the project, and
``portal/__init__.py`` imports it, so that every process that loads Django has it.

Config comes from Django's settings (``CELERY_*``): Redis when REDIS_URL is set, else
the filesystem transport, which needs no server and works across the web, worker and
beat processes of one machine. The tasks are in the ``workers`` package, found by name
when the worker starts; code that queues one sends it by name through this app and
never imports the worker package.
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
    "thresholds-nightly": {
        "task": "workers.tasks.sweep",
        "args": ["thresholds"],
        "schedule": crontab(hour=3, minute=0),
    },
    "scores-nightly": {"task": "workers.tasks.sweep", "args": ["scores"], "schedule": crontab(hour=4, minute=0)},
    "reminders-daily": {"task": "workers.tasks.sweep", "args": ["reminders"], "schedule": crontab(hour=7, minute=30)},
    "care-sweep": {"task": "workers.tasks.care_sweep", "schedule": 600.0},  # portal/care: confirmations, lost sends
}
# A name, not an import: the worker imports workers.tasks when it starts, the web process never does.
app.autodiscover_tasks(["workers"])
