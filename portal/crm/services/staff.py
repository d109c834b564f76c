"""Staff: a store manager (their store) or an admin adds staff, sets roles and deactivates them."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import NotPermitted
from ..models import Role, Staff, StaffRole, Store
from ..scopes import EVERYWHERE, scope_of, staff_visible_to
from .common import visible_or_raise
from .customers import staff_handover

GROUP_WIDE_ROLES = {Role.HQ, Role.ADMIN}


def _may_manage(by: Any, store: Store | None, roles: Iterable[str]) -> None:
    scope = scope_of(by)
    if scope.holds(Role.ADMIN):
        return
    if store is None or not scope.holds_in(store.pk, Role.STORE_MANAGER):
        raise NotPermitted(_("Only an admin, or the manager of the store, manages its staff."))
    if set(roles) & (GROUP_WIDE_ROLES | {Role.STORE_MANAGER}):
        raise NotPermitted(_("Only an admin grants the store manager, hq or admin roles."))


def grantable(by: Any) -> tuple[set[int] | str, set[str]]:
    """The stores (or EVERYWHERE) and roles ``by`` may give staff, as ``_may_manage`` decides."""
    scope = scope_of(by)
    if scope.holds(Role.ADMIN):
        return EVERYWHERE, set(Role.values)
    stores = scope.stores(Role.STORE_MANAGER)
    if not stores:
        return set(), set()
    return stores, set(Role.values) - GROUP_WIDE_ROLES - {Role.STORE_MANAGER}


def _check_roles(roles: list[str], store: Store | None) -> None:
    bad = [r for r in roles if r not in Role.values]
    if bad or not roles:
        raise ValidationError({"roles": _("Choose one or more of %(allowed)s.") % {"allowed": ", ".join(Role.values)}})
    if store is None and set(roles) - GROUP_WIDE_ROLES - {Role.FINANCE, Role.SERVICE, Role.COMPLAINTS}:
        raise ValidationError({"store": _("Sales and store managers need a store.")})


def _set_roles(staff: Staff, roles: list[str]) -> None:
    staff.roles.exclude(role__in=roles).delete()
    for role in roles:
        # A role held without a store is held group-wide (hq, admin, or group finance/service/complaints).
        StaffRole.objects.update_or_create(
            staff=staff, role=role, defaults={"group_wide": role in GROUP_WIDE_ROLES or staff.store_id is None}
        )


@transaction.atomic
def staff_create(
    *,
    by: Any,
    username: str,
    password: str,
    store: Store | None,
    roles: list[str],
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
) -> Staff:
    _may_manage(by, store, roles)
    _check_roles(roles, store)
    users = get_user_model().objects
    if users.filter(username=username).exists():
        raise ValidationError({"username": _("The username “%(username)s” is taken.") % {"username": username}})
    user = users.create_user(username=username, password=password, first_name=first_name, last_name=last_name)
    staff = Staff.objects.create(user=user, store=store, phone=phone)
    _set_roles(staff, roles)
    return staff


@transaction.atomic
def staff_set_roles(*, staff_id: int, by: Any, roles: list[str], phone: str | None = None) -> Staff:
    staff = visible_or_raise(staff_visible_to(by), staff_id, "staff")
    _may_manage(by, staff.store, set(roles) ^ set(staff.roles.values_list("role", flat=True)))
    _check_roles(roles, staff.store)
    _set_roles(staff, roles)
    if phone is not None:
        staff.phone = phone
        staff.save(update_fields=["phone"])
    return staff


@transaction.atomic
def staff_deactivate(*, staff_id: int, by: Any, prospects_to: Any | None, customers_to: Any | None) -> dict[str, int]:
    """Hand the leaver's prospects and customers over (audited), then deactivate them."""
    staff = visible_or_raise(staff_visible_to(by).select_for_update(), staff_id, "staff")
    _may_manage(by, staff.store, [])
    if staff.user_id == by.pk:
        raise ValidationError({"staff": _("You cannot deactivate yourself.")})
    moved = staff_handover(leaver=staff.user, by=by, prospects_to=prospects_to, customers_to=customers_to)
    staff.active = False
    staff.save(update_fields=["active"])
    return moved
