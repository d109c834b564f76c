"""Who may do what in the studio, from the same grants as every other page (``portal.crm.scopes``).

- admin: everything (edit, deploy, roll back, migrate, retry, cancel, save rules)
- hq: reads every process, instance and rule set
- store_manager: reads the processes and the instances of their stores
Views check these and answer 404 to anyone else, as the CRM pages do for records out of scope.
"""

from portal.crm.models import Role
from portal.crm.scopes import EVERYWHERE, Scope

READERS = (Role.ADMIN, Role.HQ, Role.STORE_MANAGER)


def may_edit(scope: Scope) -> bool:
    """Edit and deploy processes, migrate instances, retry and cancel incidents, save and roll back rules."""
    return scope.holds(Role.ADMIN)


def may_view_processes(scope: Scope) -> bool:
    return scope.holds(*READERS)


def may_read_rules(scope: Scope) -> bool:
    return scope.holds(Role.ADMIN, Role.HQ)


def instance_stores(scope: Scope) -> set[int] | str:
    """The stores whose process instances the person may open (EVERYWHERE for admins and hq)."""
    return scope.stores(*READERS)


def may_view_instance(scope: Scope, store_id: int | None) -> bool:
    stores = instance_stores(scope)
    if stores == EVERYWHERE:
        return True
    # Group-wide instances (no store) are for admins and hq only.
    return store_id is not None and store_id in stores
