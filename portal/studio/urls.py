"""The studio's pages, under /studio/."""

from django.urls import path

app_name = "studio"

urlpatterns: list = []

# Incidents and migration of running instances (issue 19, items 6 and 7)
from . import incidents, migrations_views  # noqa: E402

urlpatterns += [
    path("incidents/", incidents.incidents, name="incidents"),
    path("migrate/", migrations_views.migrate, name="migrate"),
    path("migrate/runs/<str:batch>/", migrations_views.migrate_run, name="migrate_run"),
]
