from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/<slug:key>/<str:language>/", views.template_edit, name="template_edit"),
    path("customers/<int:customer_id>/consent/", views.customer_consent, name="customer_consent"),
    path("hooks/<str:token>/sms/report/", views.sms_report, name="sms_report"),
    path("hooks/<str:token>/sms/inbound/", views.sms_inbound, name="sms_inbound"),
]
