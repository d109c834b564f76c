"""Who may do, see and hand out a work item, from the user's (role, store) grants.

The grants come from one function named in settings (the CRM provides it); a
grant with no store holds in every store. Work with no store (hq work) is
matched only by group-wide grants.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .conf import setting
from .errors import NotFound
from .models import Revision

Grants = frozenset[tuple[str, int | None]]
MANAGING_ROLES = ("store_manager", "hq", "admin")


@cache
def _grants_function() -> Callable[[Any], Grants]:
    return import_string(setting("GRANTS_FUNCTION"))


# user id -> (grants revision, grants): valid while the revision has not moved.
_by_user: dict[int, tuple[int, Grants]] = {}
GRANTS = "grants"


def grants_for(user: Any, revision: int | None = None) -> Grants:
    """The user's grants; with the ``grants`` revision read in this transaction, from
    a cache that any change of roles, stores or staff invalidates (``grants_changed``)."""
    if user is None or not getattr(user, "is_active", False):
        return frozenset()
    if revision is None:
        return _grants_function()(user)
    found = _by_user.get(user.pk)
    if found is not None and found[0] == revision:
        return found[1]
    grants = _grants_function()(user)
    if len(_by_user) > 10_000:
        _by_user.clear()
    _by_user[user.pk] = (revision, grants)
    return grants


def known_grants(user: Any) -> tuple[int, Grants] | None:
    """(revision, grants) of the user as this process last read them, or None; a write that
    relies on them must check that the ``grants`` revision is still that one."""
    if user is None or not getattr(user, "is_active", False):
        return None
    return _by_user.get(user.pk)


def grants_changed() -> None:
    """Say, in the transaction that changes them, that someone's grants changed."""
    if not Revision.objects.filter(name=GRANTS).update(value=F("value") + 1):
        Revision.objects.get_or_create(name=GRANTS, defaults={"value": 1})


def holds(grants: Grants, role: str, store_id: int | None) -> bool:
    return (role, None) in grants or (store_id is not None and (role, store_id) in grants)


def may_do(user: Any, grants: Grants, item: Any) -> bool:
    """The user may claim or complete the (open) item."""
    if item.assignee_id is not None:
        return item.assignee_id == user.pk
    if user.get_username() in (item.excluded or []):
        return False
    return bool(item.role) and holds(grants, item.role, item.store_id)


def may_manage(grants: Grants, item: Any) -> bool:
    """The user may hand the item to someone else (a manager of its store, hq, admin)."""
    return any(holds(grants, role, item.store_id) for role in MANAGING_ROLES)


def may_see(user: Any, grants: Grants, item: Any) -> bool:
    return (
        may_do(user, grants, item)
        or item.assignee_id == user.pk
        or item.completed_by_id == user.pk
        or may_manage(grants, item)
    )


def claimable_filter(grants: Grants) -> Q:
    """Open, unassigned items whose role and store the grants cover."""
    match = Q(pk__in=[])
    for role, store_id in grants:
        match |= Q(role=role) if store_id is None else Q(role=role, store_id=store_id)
    return match


def user_by_name(username: str) -> Any:
    """The user with this username; NotFound when there is none. The engine's one look-up of a
    user by name (commands, assignee expressions, the API's callers)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("no user %(username)s") % {"username": repr(username)})
    return user
