"""Who sees which records: the one layer every page, API, export and search goes through.

A user's grants are (role, store id) pairs from ``grants.grants_for``; a pair with
store None holds in every store. Each ``*_visible_to`` returns a queryset of what
the user may see; views look records up inside it, so a record out of scope is
simply not found (404), never "forbidden" and never shown.

- sales: their own prospects and customers, and the pool (unowned prospects) of their store
- store_manager: everything of their store
- hq, admin: everything
- finance: orders and payments of their store, and the customers and vehicles on them
- service: sold vehicles of their store and their buyers
- complaints: complaints of their store and the customers who made them
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from .grants import grants_for
from .models import (
    AcquisitionRequest,
    Appointment,
    Appraisal,
    Attachment,
    Communication,
    Complaint,
    Customer,
    FollowUpPlan,
    LeadIntake,
    Order,
    Payment,
    ReturnVisit,
    Role,
    ServiceRecord,
    Staff,
    Stage,
    Transfer,
    Vehicle,
    VehicleStatus,
)

EVERYWHERE = "*"
GROUP_ROLES = (Role.HQ, Role.ADMIN)


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    grants: frozenset[tuple[str, int | None]]

    @property
    def everything(self) -> bool:
        return any(role in GROUP_ROLES for role, _ in self.grants)

    def stores(self, *roles: str) -> set[int] | str:
        """Store ids where the user holds any of ``roles``, or EVERYWHERE."""
        found: set[int] = set()
        for role, store_id in self.grants:
            if role in roles:
                if store_id is None:
                    return EVERYWHERE
                found.add(store_id)
        return found

    def holds(self, *roles: str) -> bool:
        return any(role in roles for role, _ in self.grants)

    def holds_in(self, store_id: int | None, *roles: str) -> bool:
        stores = self.stores(*roles)
        return stores == EVERYWHERE or store_id in stores


def scope_of(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope(None, frozenset())
    return Scope(user.pk, grants_for(user))


def _in(field: str, stores: set[int] | str) -> Q:
    """``field`` in ``stores``; EVERYWHERE matches every row, an empty set none."""
    if stores == EVERYWHERE:
        return Q()
    return Q(**{f"{field}__in": sorted(stores)}) if stores else Q(pk__in=[])


def _any(*parts: Q | None) -> Q:
    query = Q(pk__in=[])
    for part in parts:
        if part is not None:
            query |= part
    return query


def customer_scope_q(scope: Scope) -> Q | None:
    """None means every customer."""
    if scope.everything:
        return None
    parts: list[Q] = []
    sales = scope.stores(Role.SALES)
    if sales:
        parts.append(Q(owner_id=scope.user_id))
        parts.append(Q(owner__isnull=True, stage=Stage.PROSPECT) & _in("home_store_id", sales))
    managers = scope.stores(Role.STORE_MANAGER)
    if managers:
        parts.append(_in("home_store_id", managers))
    finance = scope.stores(Role.FINANCE)
    if finance:
        parts.append(Q(Exists(Order.objects.filter(_in("store_id", finance), customer_id=OuterRef("pk")))))
    service = scope.stores(Role.SERVICE)
    if service:
        parts.append(
            Q(
                Exists(
                    Vehicle.objects.filter(
                        _in("store_id", service), customer_id=OuterRef("pk"), status=VehicleStatus.SOLD
                    )
                )
            )
        )
    complaints = scope.stores(Role.COMPLAINTS)
    if complaints:
        parts.append(Q(Exists(Complaint.objects.filter(_in("store_id", complaints), customer_id=OuterRef("pk")))))
    return _any(*parts)


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    q = customer_scope_q(scope_of(user))
    return Customer.objects.all() if q is None else Customer.objects.filter(q)


def vehicles_visible_to(user: Any) -> QuerySet[Vehicle]:
    scope = scope_of(user)
    if scope.everything:
        return Vehicle.objects.all()
    sellers = scope.stores(Role.SALES, Role.STORE_MANAGER)
    parts = []
    if sellers:
        # Their store's cars, and every store's stock (to match a customer, or ask for a transfer).
        parts += [_in("store_id", sellers), Q(status=VehicleStatus.IN_STOCK)]
    finance = scope.stores(Role.FINANCE)
    if finance:
        parts.append(_in("store_id", finance))
    service = scope.stores(Role.SERVICE)
    if service:
        parts.append(_in("store_id", service) & Q(status=VehicleStatus.SOLD))
    complaints = scope.stores(Role.COMPLAINTS)
    if complaints:
        parts.append(Q(Exists(Complaint.objects.filter(_in("store_id", complaints), vehicle_id=OuterRef("pk")))))
    return Vehicle.objects.filter(_any(*parts))


def orders_visible_to(user: Any) -> QuerySet[Order]:
    scope = scope_of(user)
    if scope.everything:
        return Order.objects.all()
    parts = []
    if scope.holds(Role.SALES):
        parts += [Q(salesperson_id=scope.user_id), Q(customer__owner_id=scope.user_id)]
    stores = scope.stores(Role.STORE_MANAGER, Role.FINANCE)
    if stores:
        parts.append(_in("store_id", stores))
    return Order.objects.filter(_any(*parts))


def payments_visible_to(user: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(order__in=orders_visible_to(user))


def _of_visible_customers(model: Any, user: Any) -> QuerySet:
    q = customer_scope_q(scope_of(user))
    if q is None:
        return model.objects.all()
    return model.objects.filter(customer__in=Customer.objects.filter(q).values("pk"))


def communications_visible_to(user: Any) -> QuerySet[Communication]:
    return _of_visible_customers(Communication, user)


def follow_ups_visible_to(user: Any) -> QuerySet[FollowUpPlan]:
    return _of_visible_customers(FollowUpPlan, user)


def appointments_visible_to(user: Any) -> QuerySet[Appointment]:
    return _of_visible_customers(Appointment, user)


def leads_visible_to(user: Any) -> QuerySet[LeadIntake]:
    return _of_visible_customers(LeadIntake, user)


def attachments_visible_to(user: Any) -> QuerySet[Attachment]:
    """Scans and contracts: only for those who may see a customer's identity (see can_see_identity)."""
    scope = scope_of(user)
    if scope.everything:
        return Attachment.objects.all()
    parts = [Q(customer__owner_id=scope.user_id)] if scope.holds(Role.SALES) else []
    managers = scope.stores(Role.STORE_MANAGER)
    if managers:
        parts.append(_in("customer__home_store_id", managers))
    finance = scope.stores(Role.FINANCE)
    if finance:
        parts.append(Q(customer__in=Order.objects.filter(_in("store_id", finance)).values("customer_id")))
    return Attachment.objects.filter(_any(*parts))


def complaints_visible_to(user: Any) -> QuerySet[Complaint]:
    scope = scope_of(user)
    if scope.everything:
        return Complaint.objects.all()
    return Complaint.objects.filter(
        _any(_in("store_id", s) if (s := scope.stores(Role.COMPLAINTS, Role.STORE_MANAGER)) else None)
    )


def return_visits_visible_to(user: Any) -> QuerySet[ReturnVisit]:
    scope = scope_of(user)
    if scope.everything:
        return ReturnVisit.objects.all()
    stores = scope.stores(Role.SERVICE, Role.COMPLAINTS, Role.STORE_MANAGER)
    return ReturnVisit.objects.filter(_any(_in("store_id", stores) if stores else None))


def service_records_visible_to(user: Any) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(vehicle__in=vehicles_visible_to(user).values("pk"))


def transfers_visible_to(user: Any) -> QuerySet[Transfer]:
    scope = scope_of(user)
    if scope.everything:
        return Transfer.objects.all()
    stores = scope.stores(Role.STORE_MANAGER)
    if not stores:
        return Transfer.objects.none()
    return Transfer.objects.filter(_in("from_store_id", stores) | _in("to_store_id", stores))


def appraisals_visible_to(user: Any) -> QuerySet[Appraisal]:
    scope = scope_of(user)
    if scope.everything:
        return Appraisal.objects.all()
    stores = scope.stores(Role.SALES, Role.STORE_MANAGER)
    return Appraisal.objects.filter(_any(_in("store_id", stores) if stores else None))


def acquisition_requests_visible_to(user: Any) -> QuerySet[AcquisitionRequest]:
    scope = scope_of(user)
    if scope.everything:
        return AcquisitionRequest.objects.all()
    stores = scope.stores(Role.STORE_MANAGER)
    return AcquisitionRequest.objects.filter(_any(_in("store_id", stores) if stores else None))


def staff_visible_to(user: Any) -> QuerySet[Staff]:
    """Staff a user may manage: admins all, store managers their store's."""
    scope = scope_of(user)
    if scope.holds(Role.ADMIN) or scope.stores(Role.HQ) == EVERYWHERE:
        return Staff.objects.all()
    stores = scope.stores(Role.STORE_MANAGER)
    return Staff.objects.filter(_any(_in("store_id", stores) if stores else None))


# --- per-record questions -------------------------------------------------------


def can_see_identity(user: Any, customer: Customer, scope: Scope | None = None) -> bool:
    """ID number, birthday and scans: the owner, the home store's manager, finance on its orders, hq, admin.

    Everyone who sees a customer sees their contact details (to call them); a
    salesperson looking at the pool, service and complaints staff do not see identity.
    A caller asking about many customers passes the user's ``scope`` once (one query fewer per customer).
    """
    scope = scope or scope_of(user)
    if scope.everything or (customer.owner_id == scope.user_id and scope.user_id is not None):
        return True
    if scope.holds_in(customer.home_store_id, Role.STORE_MANAGER):
        return True
    finance = scope.stores(Role.FINANCE)
    if finance:
        return Order.objects.filter(_in("store_id", finance), customer_id=customer.pk).exists()
    return False


def can_manage_customer(user: Any, customer: Customer) -> bool:
    """Edit, reassign, release: the owner, the home store's manager, hq, admin."""
    scope = scope_of(user)
    if scope.everything or (scope.user_id is not None and customer.owner_id == scope.user_id):
        return True
    return scope.holds_in(customer.home_store_id, Role.STORE_MANAGER)


def can_book_service(user: Any, customer: Customer) -> bool:
    """A service appointment: whoever manages the customer, and service staff of a store that sold them a car."""
    if can_manage_customer(user, customer):
        return True
    service = scope_of(user).stores(Role.SERVICE)
    if not service:
        return False
    return Vehicle.objects.filter(_in("store_id", service), customer_id=customer.pk, status=VehicleStatus.SOLD).exists()


def can_take_from_pool(user: Any, customer: Customer) -> bool:
    scope = scope_of(user)
    return (
        customer.owner_id is None
        and customer.stage == Stage.PROSPECT
        and scope.holds_in(customer.home_store_id, Role.SALES)
    )


def stores_for(user: Any, *roles: str) -> set[int] | str:
    return scope_of(user).stores(*roles)


# --- what a person may use (menus and buttons follow these; each takes the viewer's scope once) ------------


def can_see_cost(scope: Scope, store_id: int | None) -> bool:
    """The dealer's cost and margins (a car's purchase price, appraisal offers): the store's manager and
    finance, hq and admin; never sales, service or complaints."""
    return scope.everything or scope.holds_in(store_id, Role.STORE_MANAGER, Role.FINANCE)


def may_import_leads(scope: Scope) -> bool:
    return scope.everything or scope.holds(Role.STORE_MANAGER)


def may_add_staff(scope: Scope) -> bool:
    """An admin, or a store manager for their store (services.staff checks the same when it writes)."""
    return scope.holds(Role.ADMIN, Role.STORE_MANAGER)


def may_manage_staff(scope: Scope) -> bool:
    """Who has a staff list to look at (staff_visible_to)."""
    return scope.holds(Role.ADMIN, Role.STORE_MANAGER) or scope.stores(Role.HQ) == EVERYWHERE


def buying_stores(scope: Scope) -> set[int] | str:
    """Stores a person may buy a car in for: sales, store managers and service of theirs; hq and admin all."""
    return EVERYWHERE if scope.everything else scope.stores(Role.SALES, Role.STORE_MANAGER, Role.SERVICE)


def may_decide_approvals(scope: Scope) -> bool:
    return scope.holds(Role.STORE_MANAGER, Role.HQ)
