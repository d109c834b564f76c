"""Reads the pages and the API need: search, filters, matching stock. Always inside the user's scope.

Customer search finds a phone by its keyed hash or its last four digits, a plate
or a VIN by their indexed columns, and a name by prefix on the name, its pinyin
or its pinyin initials; each is an index look-up, so it stays fast at a million
customers (``bench/search.py`` measures it).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.ui.people import display_name

from . import search
from .brands import brand_english, english_for
from .identifiers import id_number_hashes, phone_hashes, phone_normalize, plate_normalize, vin_normalize
from .models import Customer, CustomerPhone, Role, Store, Vehicle, VehicleStatus
from .scopes import EVERYWHERE, Scope, customers_visible_to, vehicles_visible_to

_PHONE_CHARS = re.compile(r"^[\d\s()+\-]+$")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
# A resident ID: 18 characters (17 digits and a digit or X) or the old 15 digits.
_ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def customer_by_phone(number: str, stores: set[int] | str) -> Customer | None:
    """The customer of one of ``stores`` (or any, EVERYWHERE) with exactly this phone number."""
    try:
        normalized = phone_normalize(number)
    except ValidationError:
        return None
    owners = CustomerPhone.objects.filter(number_hash__in=phone_hashes(normalized)).values("customer_id")
    found = Customer.objects.filter(pk__in=owners).select_related("home_store")
    if stores != EVERYWHERE:
        found = found.filter(home_store_id__in=cast(set[int], stores))  # a set of ids unless EVERYWHERE
    return found.first()


def _identifier_q(text: str) -> Q | None:
    """A whole phone number, a resident ID number or a VIN: the customers it belongs to, or None if ``text`` is
    none of them. Phones and ID numbers are matched whole, by their keyed hashes (they are stored sealed); 15
    digits may be either (an old ID number or a long phone)."""
    found: Q | None = None
    if _ID_NUMBER.match(text.strip()):
        found = Q(id_number_hash__in=id_number_hashes(text))
    if _PHONE_CHARS.match(text):
        digits = re.sub(r"\D", "", text)
        if 7 <= len(digits) <= 15:
            try:
                normalized = phone_normalize(digits)
            except ValidationError:
                return found or Q(pk__in=[])
            owners = CustomerPhone.objects.filter(number_hash__in=phone_hashes(normalized)).values("customer_id")
            return Q(pk__in=owners) | found if found is not None else Q(pk__in=owners)
    if found is not None:
        return found
    vin = vin_normalize(text)
    if _VIN.match(vin) and any(ch.isdigit() for ch in vin):
        return Q(pk__in=Vehicle.objects.filter(vin=vin).values("customer_id"))
    return None


def customer_search(user: Any, query: str) -> QuerySet[Customer]:
    """Customers matching ``query`` that ``user`` may see, newest first.

    ``query`` is a whole phone number (any spacing, +86), a whole ID number, a VIN, a plate or four or more
    consecutive characters of one, the last four digits of a phone, or words of a name
    (any part of it in Chinese, pinyin or initials), a brand or a model in Chinese or
    English; every word must match (portal.crm.search). Blank: every visible customer.
    Longer than search.QUERY_MAX characters: a ValidationError on field ``q``.
    """
    text = search.query_check(query)
    visible = customers_visible_to(user)
    if not text:
        return visible.order_by("-id")
    identifier = _identifier_q(text)
    if identifier is not None:
        return visible.filter(identifier).order_by("-id")
    return search.matching(visible, search.query_conditions(text))


def staff_choices(scope: Scope, *, sales_only: bool = False) -> QuerySet:
    """People the viewer may pick from a list (the owner filter, a new owner): the staff of the
    stores the viewer works in, all stores' for hq and admin; ``sales_only``: active salespeople."""
    stores = scope.stores(*Role.values)
    people = get_user_model().objects.filter(staff__isnull=False)
    if stores != EVERYWHERE:
        people = people.filter(staff__store_id__in=cast(set[int], stores))
    if sales_only:
        people = people.filter(staff__active=True, staff__roles__role=Role.SALES)
    return people.select_related("staff__store").distinct().order_by("staff__store__name", "username")


def reassign_stores(scope: Scope) -> set[int] | str:
    """Stores whose customers the viewer may give to another salesperson: a manager's, all for hq and admin."""
    return EVERYWHERE if scope.everything else scope.stores(Role.STORE_MANAGER)


def store_choices(scope: Scope) -> QuerySet[Store] | None:
    """The stores the lists' store filter offers: all for hq and admin, a store manager's own;
    None for everyone else (they see one store's customers and need no store filter)."""
    if scope.everything:
        return Store.objects.order_by("name")
    managed = scope.stores(Role.STORE_MANAGER)
    if not managed:
        return None
    return Store.objects.filter(pk__in=cast(set[int], managed)).order_by("name")


@dataclass(frozen=True)
class CustomerFilter:
    contact_from: datetime | None = None
    contact_to: datetime | None = None
    budget_min: int | None = None
    budget_max: int | None = None
    use: str = ""
    intent_level: str = ""
    stage: str = ""
    source: str = ""
    owner_id: int | None = None
    in_pool: bool = False
    store_id: int | None = None
    # The consultation: the day the customer first came to us (created_at), not the last contact.
    consulted_from: date | None = None
    consulted_to: date | None = None
    sort: str = ""

    def validate(self) -> None:
        if self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max:
            raise ValidationError(
                {
                    "budget_min": _("Budget from (%(low)s) is above budget to (%(high)s).")
                    % {"low": self.budget_min, "high": self.budget_max}
                }
            )
        if self.contact_from and self.contact_to and self.contact_from > self.contact_to:
            raise ValidationError({"contact_from": _("The contact window starts after it ends.")})
        if self.consulted_from and self.consulted_to and self.consulted_from > self.consulted_to:
            raise ValidationError({"consulted_from": _("The consultation dates start after they end.")})


# The lists' sort orders: a key the page sends, and the columns (always ending in a unique one).
CUSTOMER_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "name": ("name_key", "id"),
    "last_contact": (F("last_contact_at").desc(nulls_last=True), "-id"),
    "budget": (F("budget_max").desc(nulls_last=True), "-id"),
    "score": ("-score", "-id"),
    # The other way round, for the column headers (views/sorting.py).
    "name_desc": ("-name_key", "-id"),
    "contact_oldest": (F("last_contact_at").asc(nulls_first=True), "id"),
    "budget_low": (F("budget_max").asc(nulls_last=True), "id"),
}
POOL_SORTS: dict[str, tuple[str, ...]] = {
    "score": ("-score", "-created_at", "-id"),
    "waiting": ("waiting_since", "id"),  # longest in the pool first
    "newest": ("-created_at", "-id"),
    # The other way round, and by name, for the column headers (views/sorting.py).
    "score_low": ("score", "created_at", "id"),
    "waiting_short": ("-waiting_since", "-id"),
    "name": ("name_key", "id"),
    "name_desc": ("-name_key", "-id"),
}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def customer_filter(user: Any, criteria: CustomerFilter, query: str = "") -> QuerySet[Customer]:
    """The advanced filter: every criterion given must hold; a budget matches when the ranges overlap."""
    criteria.validate()
    searching = bool(query.strip())
    rows = customer_search(user, query) if searching else customers_visible_to(user)
    c = criteria
    conditions = Q()
    if c.contact_from:
        conditions &= Q(last_contact_at__gte=c.contact_from)
    if c.contact_to:
        conditions &= Q(last_contact_at__lte=c.contact_to)
    if c.budget_min is not None:
        conditions &= Q(budget_max__gte=c.budget_min)
    if c.budget_max is not None:
        conditions &= Q(budget_min__lte=c.budget_max)
    for field in ("use", "intent_level", "stage", "source"):
        if getattr(c, field):
            conditions &= Q(**{field: getattr(c, field)})
    if c.owner_id is not None:
        conditions &= Q(owner_id=c.owner_id)
    if c.in_pool:
        conditions &= Q(owner__isnull=True)
    if c.store_id is not None:
        conditions &= Q(home_store_id=c.store_id)
    if c.consulted_from:
        conditions &= Q(created_at__gte=_day_start(c.consulted_from))
    if c.consulted_to:
        conditions &= Q(created_at__lt=_day_start(c.consulted_to + timedelta(days=1)))
    rows = rows.filter(conditions)
    if c.sort in CUSTOMER_SORTS:
        return rows.order_by(*CUSTOMER_SORTS[c.sort])
    if c.contact_from or c.contact_to:
        return rows.order_by("-last_contact_at", "-id")
    return rows if searching else rows.order_by("-id")  # a search comes newest first already


@dataclass(frozen=True)
class PoolFilter:
    source: str = ""
    intent_level: str = ""
    score_min: int | None = None
    days_min: int | None = None  # in the pool at least this many days
    days_max: int | None = None
    store_id: int | None = None
    sort: str = "score"

    def validate(self) -> None:
        if self.days_min is not None and self.days_max is not None and self.days_min > self.days_max:
            raise ValidationError(
                {
                    "days_min": _("At least %(low)s days is more than at most %(high)s days.")
                    % {"low": self.days_min, "high": self.days_max}
                }
            )


def pool_filter(user: Any, criteria: PoolFilter, now: datetime) -> QuerySet[Customer]:
    """The pool the user sees, filtered and sorted. A prospect has waited in the pool since it entered
    it (``pooled_at``: created without an owner, released, reclaimed), not since its last contact."""
    criteria.validate()
    c = criteria
    rows = (
        customers_visible_to(user)
        .filter(owner__isnull=True)
        .annotate(waiting_since=Coalesce("pooled_at", "created_at"))
    )
    conditions = Q()
    for name in ("source", "intent_level"):
        if getattr(c, name):
            conditions &= Q(**{name: getattr(c, name)})
    if c.score_min is not None:
        conditions &= Q(score__gte=c.score_min)
    if c.days_min is not None:
        conditions &= Q(waiting_since__lte=now - timedelta(days=c.days_min))
    if c.days_max is not None:
        conditions &= Q(waiting_since__gt=now - timedelta(days=c.days_max + 1))
    if c.store_id is not None:
        conditions &= Q(home_store_id=c.store_id)
    return rows.filter(conditions).order_by(*POOL_SORTS.get(c.sort, POOL_SORTS["score"]))


@dataclass(frozen=True)
class VehicleFilter:
    brand: str = ""
    model: str = ""
    vehicle_type: str = ""
    year_min: int | None = None
    year_max: int | None = None
    mileage_max: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    status: str = ""
    store_id: int | None = None
    text: str = ""

    def validate(self) -> None:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValidationError(
                {
                    "price_min": _("Price from (%(low)s) is above price to (%(high)s).")
                    % {"low": self.price_min, "high": self.price_max}
                }
            )
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValidationError(
                {
                    "year_min": _("Year from (%(low)s) is after year to (%(high)s).")
                    % {"low": self.year_min, "high": self.year_max}
                }
            )


def _vehicle_text_q(text: str) -> Q:
    """A VIN or its end, a plate or 4+ consecutive characters of one, a brand or a model in English
    or Chinese (丰田, 凯美瑞; portal.crm.brands)."""
    upper = text.upper()
    plate = plate_normalize(text)
    found = Q(vin=vin_normalize(text)) | Q(plate=plate) | Q(vin__endswith=upper)
    found |= Q(brand__iexact=text) | Q(model__iexact=text)
    brands, models = english_for(text)
    if brands:
        found |= Q(brand__in=sorted(brands))
    if models:
        found |= Q(model__in=sorted(models))
    if len(plate) >= search.PLATE_PIECE:
        found |= Q(plate__contains=plate)  # plates are stored upper case: a scan of the visible cars
    return found


def vehicle_filter(user: Any, criteria: VehicleFilter) -> QuerySet[Vehicle]:
    criteria.validate()
    c = criteria
    q = Q()
    if c.brand:
        q &= Q(brand__iexact=c.brand.strip())
    if c.model:
        q &= Q(model__icontains=c.model.strip())
    if c.vehicle_type:
        q &= Q(vehicle_type=c.vehicle_type)
    for field, lookup, value in (
        ("year", "gte", c.year_min),
        ("year", "lte", c.year_max),
        ("mileage", "lte", c.mileage_max),
        ("asking_price", "gte", c.price_min),
        ("asking_price", "lte", c.price_max),
    ):
        if value is not None:
            q &= Q(**{f"{field}__{lookup}": value})
    if c.status:
        q &= Q(status=c.status)
    if c.store_id is not None:
        q &= Q(store_id=c.store_id)
    if c.text.strip():
        q &= _vehicle_text_q(search.query_check(c.text))
    return vehicles_visible_to(user).filter(q).select_related("store").order_by("-id")


def stock_matching(user: Any, customer: Customer) -> QuerySet[Vehicle]:
    """In-stock vehicles that fit a customer's purchase intent (type, brands, budget)."""
    q = Q(status=VehicleStatus.IN_STOCK)
    if customer.vehicle_type:
        q &= Q(vehicle_type=customer.vehicle_type)
    brands = [b.strip() for b in customer.brands.split(",") if b.strip()]
    if brands:
        brand_q = Q(pk__in=[])
        for brand in brands:  # 丰田 or Toyota: the records keep the English name (portal.crm.brands)
            brand_q |= Q(brand__iexact=brand) | Q(brand__iexact=brand_english(brand))
        q &= brand_q
    if customer.budget_min is not None:
        q &= Q(asking_price__gte=customer.budget_min)
    if customer.budget_max is not None:
        q &= Q(asking_price__lte=customer.budget_max)
    return vehicles_visible_to(user).filter(q).select_related("store").order_by("asking_price")


def next_step_holder(item: Any) -> str:
    """The sentence that tells a person who does the next step of a process when it is not
    theirs: the person it is assigned to, or the role and store whose queue it waits in.
    ``item`` is an open work item (engine.api.WorkItem)."""
    if item.assignee_id is not None:
        person = get_user_model().objects.filter(pk=item.assignee_id).first()
        name = display_name(person) if person else _("someone else")
        return _("Next: “%(title)s” is with %(person)s.") % {"title": item.title, "person": name}
    store = (
        Store.objects.filter(pk=item.store_id).values_list("name", flat=True).first() if item.store_id else None
    ) or _("the group")
    if not item.role:
        return _("Next: “%(title)s” waits for its assignee at %(store)s.") % {"title": item.title, "store": store}
    role = Role(item.role).label if item.role in Role.values else item.role
    return _("Next: “%(title)s” waits in the %(role)s queue at %(store)s.") % {
        "title": item.title,
        "role": role,
        "store": store,
    }
