# Celery's Django layout: the app is loaded with the project, so @shared_task and
# send_task use it (and its broker from settings) in every process.
from .celery import app as celery_app

__all__ = ["celery_app"]
