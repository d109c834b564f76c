"""The studio's pages, under /studio/."""

from django.urls import path

from . import incidents, migrations_views, rules_views

app_name = "studio"

urlpatterns = [
    # failed automatic steps, and moving running instances to another version (issue 19, items 6 and 7)
    path("incidents/", incidents.incidents, name="incidents"),
    path("migrate/", migrations_views.migrate, name="migrate"),
    path("migrate/runs/<str:batch>/", migrations_views.migrate_run, name="migrate_run"),
    # the rule studio (issue 20)
    path("rules/", rules_views.rules, name="rules"),
    path("rules/<slug:name>/", rules_views.rules_edit, name="rules_edit"),
    path("rules/<slug:name>/history/", rules_views.rules_history, name="rules_history"),
    path("rules/<slug:name>/rollback/", rules_views.rules_rollback, name="rules_rollback"),
    path("rules/<slug:name>/check/", rules_views.rules_check, name="rules_check"),
    path("rules/<slug:name>/try/", rules_views.rules_dryrun, name="rules_dryrun"),
    path("rules/<slug:name>/records/", rules_views.rules_records, name="rules_records"),
]
