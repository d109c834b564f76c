"""The reports' pages, under /reports/."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("scorecard/<int:user_id>/", views.scorecard, name="scorecard"),
    path("<slug:name>/", views.report, name="report"),
]
