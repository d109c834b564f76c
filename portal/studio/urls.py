"""The studio's pages, under /studio/."""

from django.urls import path

from . import rules_views

app_name = "studio"

urlpatterns: list = [
    # the rule studio (issue 20)
    path("rules/", rules_views.rules, name="rules"),
    path("rules/<slug:name>/", rules_views.rules_edit, name="rules_edit"),
    path("rules/<slug:name>/history/", rules_views.rules_history, name="rules_history"),
    path("rules/<slug:name>/rollback/", rules_views.rules_rollback, name="rules_rollback"),
    path("rules/<slug:name>/check/", rules_views.rules_check, name="rules_check"),
    path("rules/<slug:name>/try/", rules_views.rules_dryrun, name="rules_dryrun"),
    path("rules/<slug:name>/records/", rules_views.rules_records, name="rules_records"),
]
