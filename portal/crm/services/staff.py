"""Staff: a store manager (their store) or an admin adds staff, sets roles and deactivates them."""

import logging
from collections.abc import Iterable
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import tokens
from ..errors import NotPermitted
from ..models import Role, Staff, StaffRole, Store
from ..scopes import EVERYWHERE, scope_of, staff_visible_to
from .common import visible_or_raise
from .customers import staff_handover

logger = logging.getLogger("lotflow.accounts")

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
    # settings.AUTH_PASSWORD_VALIDATORS: long enough, not common, not like the person's names.
    try:
        validate_password(password, users.model(username=username, first_name=first_name, last_name=last_name))
    except ValidationError as err:
        raise ValidationError({"password": err.messages}) from err
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
    # At once, not at their next login: an inactive user's session no longer authenticates (Django's
    # ModelBackend.get_user), their sessions are deleted, and their API tokens are revoked.
    type(staff.user).objects.filter(pk=staff.user_id).update(is_active=False)
    tokens.revoke_all(staff.user_id)
    _end_sessions(staff.user_id)
    return moved


def _end_sessions(user_id: int) -> None:
    """Delete the database sessions signed in as ``user_id`` (a leaver's phone and desk alike)."""
    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get(SESSION_KEY) == str(user_id)
    ]
    Session.objects.filter(session_key__in=doomed).delete()


def sign_in_locked(username: str) -> bool:
    """Whether failed logins have locked ``username`` (from some address) right now."""
    limit = settings.AXES_FAILURE_LIMIT
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=username, failures_since_start__gte=limit, attempt_time__gt=since
    ).exists()


def sign_in_log(username: str, count: int = 10) -> list[dict[str, Any]]:
    """The person's latest sign-ins and failed attempts, newest first (django-axes' logs)."""
    fields = ("attempt_time", "ip_address", "user_agent")
    rows = [
        {**row, "ok": True}
        for row in AccessLog.objects.filter(username=username).order_by("-attempt_time").values(*fields)[:count]
    ] + [
        {**row, "ok": False}
        for row in AccessFailureLog.objects.filter(username=username).order_by("-attempt_time").values(*fields)[:count]
    ]
    return sorted(rows, key=lambda r: r["attempt_time"], reverse=True)[:count]


@transaction.atomic
def staff_unlock(*, staff_id: int, by: Any) -> int:
    """Lift a lockout of the person's sign-in at once (those who may manage them); the count of cleared records."""
    staff = visible_or_raise(staff_visible_to(by), staff_id, "staff")
    _may_manage(by, staff.store, [])
    cleared = axes_reset(username=staff.user.get_username())
    logger.warning("sign-in of %s unlocked by %s", staff.user.get_username(), by.get_username())
    return cleared
