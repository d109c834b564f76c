"""The reports' pages, under /reports/."""

from django.urls import path

from . import satisfaction, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("scorecard/<int:user_id>/", views.scorecard, name="scorecard"),
    path("satisfaction/", satisfaction.satisfaction_page, name="satisfaction"),  # from the surveys
    path("<slug:name>/", views.report, name="report"),
]
