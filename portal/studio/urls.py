"""The studio's pages, under /studio/."""

from django.urls import path

from . import incidents, migrations_views, modeler, replay_views, rules_views, views

app_name = "studio"

urlpatterns = [
    # the modeler: draw, check, deploy (issue 19, items 2 and 3); before processes/<id>/ ("new" is no process)
    path("processes/new/", modeler.process_new, name="process_new"),
    path("processes/<str:process_id>/v<int:version>/modeler/", modeler.modeler, name="modeler"),
    path("processes/<str:process_id>/v<int:version>/check/", modeler.modeler_check, name="modeler_check"),
    path("processes/<str:process_id>/v<int:version>/deploy/", modeler.modeler_deploy, name="modeler_deploy"),
    path("modeler/preview/", modeler.modeler_preview, name="modeler_preview"),
    # the processes pages: versions, diagrams, downloads, comparison, roll back, instances (issue 19, items 1, 5)
    path("", views.processes, name="processes"),
    path("processes/<str:process_id>/", views.process_live, name="process_live"),
    path("processes/<str:process_id>/v<int:version>/", views.process, name="process"),
    path("processes/<str:process_id>/v<int:version>/download/", views.download, name="download"),
    path("processes/<str:process_id>/v<int:version>/rollback/", views.rollback, name="rollback"),
    path("processes/<str:process_id>/compare/", views.compare, name="compare"),
    path("processes/<str:process_id>/instances/", views.instances, name="instances"),
    path("instances/<int:instance_id>/", views.instance, name="instance"),
    path("items/<int:item_id>/diagram/", views.item_diagram, name="item_diagram"),
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
    path("rules/<slug:name>/replay/", replay_views.rules_replay, name="rules_replay"),
]
