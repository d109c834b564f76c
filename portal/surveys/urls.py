"""Surveys: the customer's page (/s/<signed token>/, public) and the staff's pages under /surveys/."""

from django.urls import path

from . import design, views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("surveys/visit/<int:visit_id>/", views.visit_fill, name="visit_fill"),
    path("surveys/customer/<int:customer_id>/", views.customer_fill, name="customer_fill"),
    path("surveys/questionnaires/", design.questionnaire_list, name="questionnaires"),
    path("surveys/questionnaires/new/", design.questionnaire_edit, name="questionnaire_new"),
    path("surveys/questionnaires/<int:pk>/", design.questionnaire_edit, name="questionnaire_edit"),
]
