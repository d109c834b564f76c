from django.contrib import admin
from django.urls import include, path

from . import i18n

urlpatterns = [
    path("admin/", admin.site.urls),
    path("language/", i18n.language_choose, name="language"),
    path("", include("portal.inbox.urls")),
    path("crm/", include("portal.crm.urls")),
    path("studio/", include("portal.studio.urls")),
    path("reports/", include("portal.reports.urls")),  # reports
    path("care/", include("portal.care.urls")),  # messages to customers (portal/care)
    path("", include("portal.surveys.urls")),  # s/<token>/ (public) and surveys/...
    path("account/second-factor/", include("portal.second_factor")),  # admins' second factor
    path("", include("portal.crm.api.urls")),  # api/v1/... and api/schema/
]
