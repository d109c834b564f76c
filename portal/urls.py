from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("portal.inbox.urls")),
    path("crm/", include("portal.crm.urls")),
    path("", include("portal.crm.api.urls")),  # api/v1/... and api/schema/
]
