"""What a customer's page and the service day read about life after the sale.

The days a prospect's owner has left before the pool reclaims it (the periods
live in ``rules/pool_reclaim.rules``), the service staff's list of what falls
due (return visits, maintenance, insurance renewals), and the words people read
for the values those records store.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .automation.rules import constants
from .models import (
    Customer,
    CustomerPhone,
    InsurancePolicy,
    MaintenancePlan,
    ReturnVisit,
    ReturnVisitStatus,
    Role,
    Stage,
    Store,
    Vehicle,
    VehicleStatus,
)
from .scopes import EVERYWHERE, return_visits_visible_to, scope_of, vehicles_visible_to

SERVICE_DAY_ROLES = (Role.SERVICE, Role.STORE_MANAGER, Role.HQ, Role.ADMIN)
SERVICE_DAY_DAYS = 30


def reclaim_days_left(customer: Customer, tag_names: list[str], at: datetime) -> int | None:
    """Whole days before the reclaim sweep returns an owned prospect to the pool; None when it never will.

    The period is the one the pool_reclaim rules apply to this prospect (VIP, high intent or the
    plain one), counted from the last recorded contact or, without one, from intake, as the sweep does.
    """
    if customer.owner_id is None or customer.stage != Stage.PROSPECT:
        return None
    values = constants("pool_reclaim")
    if "vip" in tag_names:
        period = int(values["vip_reclaim_after_days"])
    elif customer.intent_level == "high":
        period = int(values["high_intent_reclaim_after_days"])
    else:
        period = int(values["reclaim_after_days"])
    silent = (at - (customer.last_contact_at or customer.created_at)).days
    return max(period - silent, 0)


_AFTER_DELIVERY = re.compile(r"^after_delivery: (\d+) days after delivery$")


def return_visit_label(kind: str) -> str:
    """A return visit's kind as people say it (the process stores an English note of its plan)."""
    if found := _AFTER_DELIVERY.match(kind):
        return _("Visit %(days)s days after delivery") % {"days": found.group(1)}
    if kind == "after_delivery: before the first service":
        return _("Visit before the first service")
    if kind.startswith("complaint"):
        return _("Visit after a complaint")
    if kind.startswith("after_service"):
        return _("Visit after a service")
    return _("Return visit")


def card_level_label(level: str) -> str:
    labels = {
        "standard": pgettext("membership card level", "Standard"),
        "silver": pgettext("membership card level", "Silver"),
        "gold": pgettext("membership card level", "Gold"),
    }
    return labels.get(level, level)


# --- the service day -------------------------------------------------------------


@dataclass
class ServiceDay:
    """What falls due for the service desk between ``start`` and ``end`` (both included)."""

    start: date
    end: date
    visits: list[ReturnVisit] = field(default_factory=list)
    maintenance: list[MaintenancePlan] = field(default_factory=list)
    renewals: list[InsurancePolicy] = field(default_factory=list)


def service_day_stores(user: Any) -> QuerySet:
    """The stores whose service day the user may read (for the store filter)."""
    stores = scope_of(user).stores(*SERVICE_DAY_ROLES)
    if stores == EVERYWHERE:
        return Store.objects.all()
    return Store.objects.filter(pk__in=sorted(stores))


def _cars(user: Any, store_id: int | None) -> QuerySet[Vehicle]:
    """Sold cars the user sees in the stores of the service day (a car's store is where it was sold)."""
    stores = scope_of(user).stores(*SERVICE_DAY_ROLES)
    cars = vehicles_visible_to(user).filter(status=VehicleStatus.SOLD, customer__isnull=False)
    if stores != EVERYWHERE:
        cars = cars.filter(store_id__in=sorted(stores))
    if store_id is not None:
        cars = cars.filter(store_id=store_id)
    return cars


def _with_customer(prefix: str) -> list[Any]:
    return [
        Prefetch(f"{prefix}customer__phones", queryset=CustomerPhone.objects.order_by("-primary", "id")),
    ]


def service_day_for(user: Any, *, today: date, store_id: int | None = None, days: int = SERVICE_DAY_DAYS) -> ServiceDay:
    """Return visits not yet made, maintenance and insurance renewals due from today to ``days`` ahead."""
    end = today + timedelta(days=days)
    day = ServiceDay(start=today, end=end)
    stores = scope_of(user).stores(*SERVICE_DAY_ROLES)
    if not stores:
        return day
    visits = return_visits_visible_to(user).filter(status=ReturnVisitStatus.DUE, due__lte=end)
    if stores != EVERYWHERE:
        visits = visits.filter(store_id__in=sorted(stores))
    if store_id is not None:
        visits = visits.filter(store_id=store_id)
    day.visits = list(
        visits.select_related("customer", "vehicle", "store")
        .prefetch_related(*_with_customer(""))
        .order_by("due", "id")
    )
    cars = _cars(user, store_id).values("pk")
    day.maintenance = list(
        MaintenancePlan.objects.filter(vehicle__in=cars, next_service_date__gte=today, next_service_date__lte=end)
        .select_related("vehicle__customer", "vehicle__store")
        .prefetch_related(*_with_customer("vehicle__"))
        .order_by("next_service_date", "id")
    )
    day.renewals = list(
        InsurancePolicy.objects.filter(vehicle__in=cars, expires_on__gte=today, expires_on__lte=end)
        .select_related("vehicle__customer", "vehicle__store")
        .prefetch_related(*_with_customer("vehicle__"))
        .order_by("expires_on", "kind", "id")
    )
    return day
