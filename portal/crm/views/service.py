"""The service desk's day: return visits, maintenance and insurance renewals falling due, by store."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from engine import api

from ..aftercare import SERVICE_DAY_DAYS, SERVICE_DAY_ROLES, service_day_for, service_day_stores
from ..scopes import scope_of
from .common import crm_view

# A service booked from the list starts at this time of the due day (the booker may change it).
BOOKING_TIME = "10:00"


@crm_view
def service_day(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).stores(*SERVICE_DAY_ROLES):
        raise PermissionDenied(_("The service day is for service staff, store managers and headquarters."))
    stores = list(service_day_stores(request.user))
    chosen = next((s for s in stores if str(s.pk) == request.GET.get("store", "")), None)
    today = timezone.localtime(api.now()).date()
    context = {
        "day": service_day_for(request.user, today=today, store_id=chosen.pk if chosen else None),
        "stores": stores,
        "chosen": chosen,
        "days": SERVICE_DAY_DAYS,
        "booking_time": BOOKING_TIME,
        "title": _("Service day"),
    }
    return render(request, "crm/service_day.html", context)
