"""The studio's pages, under /studio/."""

from django.urls import path

from . import views

app_name = "studio"

urlpatterns: list = []

# The processes pages: versions, diagrams, downloads, comparison, roll back, instances.
urlpatterns += [
    path("", views.processes, name="processes"),
    path("processes/<str:process_id>/", views.process_live, name="process_live"),
    path("processes/<str:process_id>/v<int:version>/", views.process, name="process"),
    path("processes/<str:process_id>/v<int:version>/download/", views.download, name="download"),
    path("processes/<str:process_id>/v<int:version>/rollback/", views.rollback, name="rollback"),
    path("processes/<str:process_id>/compare/", views.compare, name="compare"),
    path("processes/<str:process_id>/instances/", views.instances, name="instances"),
    path("instances/<int:instance_id>/", views.instance, name="instance"),
    path("items/<int:item_id>/diagram/", views.item_diagram, name="item_diagram"),
]
