from django.urls import path

from .views import approvals, customers, leads, records, service, work

app_name = "crm"

urlpatterns = [
    path("customers/", customers.customer_list, name="customers"),
    path("customers/reassign/", customers.customers_reassign, name="customers_reassign"),
    path("customers/new/", customers.customer_create, name="customer_new"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer"),
    path("customers/<int:customer_id>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:customer_id>/contact/", customers.customer_contact, name="customer_contact"),
    path("customers/<int:customer_id>/follow-up/", customers.customer_follow_up, name="customer_follow_up"),
    path("customers/<int:customer_id>/appointment/", customers.customer_appointment, name="customer_appointment"),
    path("customers/<int:customer_id>/release/", customers.customer_release, name="customer_release"),
    path("customers/<int:customer_id>/assign/", customers.customer_assign, name="customer_assign"),
    path("customers/<int:customer_id>/attachments/", records.attachment_upload, name="attachment_upload"),
    path("attachments/<int:attachment_id>/", records.attachment_download, name="attachment"),
    path("follow-ups/<int:plan_id>/done/", customers.follow_up_done, name="follow_up_done"),
    path("customers/<int:customer_id>/complaint/", work.complaint_new, name="complaint_new"),
    path("complaints/call/", work.complaint_call, name="complaint_call"),
    path("orders/<int:order_id>/change/", work.order_change_new, name="order_change_new"),
    path("vehicles/<int:vehicle_id>/transfer/", work.transfer_new, name="transfer_new"),
    path("acquisitions/new/", work.acquisition_new, name="acquisition_new"),
    path("pool/", customers.pool, name="pool"),
    path("service-day/", service.service_day, name="service_day"),
    path("vehicles/", records.vehicle_list, name="vehicles"),
    path("vehicles/new/", records.vehicle_create, name="vehicle_new"),
    path("vehicles/<int:vehicle_id>/", records.vehicle_detail, name="vehicle"),
    path("vehicles/<int:vehicle_id>/edit/", records.vehicle_edit, name="vehicle_edit"),
    path("vehicles/<int:vehicle_id>/photos/", records.photo_upload, name="photo_upload"),
    path("photos/<int:photo_id>/", records.photo, name="photo"),
    path("leads/new/", leads.lead_form, name="lead_form"),
    path("leads/import/", leads.lead_import, name="lead_import"),
    path("leads/import/<int:job_id>/", leads.lead_import_job, name="lead_import_job"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("staff/", records.staff_list, name="staff_list"),
    path("staff/new/", records.staff_create, name="staff_new"),
    path("staff/<int:staff_id>/", records.staff_detail, name="staff"),
    path("staff/<int:staff_id>/deactivate/", records.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:staff_id>/unlock/", records.staff_unlock, name="staff_unlock"),
]
