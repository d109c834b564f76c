"""The studio's pages, under /studio/."""

from django.urls import path

from . import modeler

app_name = "studio"

urlpatterns: list = [
    # The modeler (issue 19: draw, check, deploy).
    path("processes/new/", modeler.process_new, name="process_new"),
    path("processes/<str:process_id>/v<int:version>/modeler/", modeler.modeler, name="modeler"),
    path("processes/<str:process_id>/v<int:version>/check/", modeler.modeler_check, name="modeler_check"),
    path("processes/<str:process_id>/v<int:version>/deploy/", modeler.modeler_deploy, name="modeler_deploy"),
    path("modeler/preview/", modeler.modeler_preview, name="modeler_preview"),
]
