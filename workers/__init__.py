"""The worker's thin tasks (workers.tasks); the Celery app that runs them is portal.celery."""
