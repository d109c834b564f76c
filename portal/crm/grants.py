"""The grants function the engine calls (settings.LOTFLOW["GRANTS_FUNCTION"]), and the
signals that tell the engine when its inputs change (the engine caches grants until then).

Staff and roles change through model saves and deletes, which send these signals; a
bulk ``update()`` or ``delete()`` of them sends none and must call
``engine.api.grants_changed()`` in its transaction.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from engine.api import grants_changed

from .models import Staff, StaffRole

# Plain SQL: this runs on every claim and complete, where the ORM's query
# building costs more than the query itself.
_GRANTS_SQL = (
    f"SELECT r.role, r.group_wide, s.store_id FROM {StaffRole._meta.db_table} r "
    f"JOIN {Staff._meta.db_table} s ON s.id = r.staff_id WHERE s.user_id = %s AND s.active = %s"
)


def grants_for(user: AbstractBaseUser) -> frozenset[tuple[str, int | None]]:
    """(role, store id) pairs the user holds; store None means every store.

    Inactive staff and users without a staff record hold nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute(_GRANTS_SQL, [user.pk, True])
        rows = cursor.fetchall()
    return frozenset((role, None if group_wide else store_id) for role, group_wide, store_id in rows)


@receiver([post_save, post_delete], sender=Staff, dispatch_uid="crm.grants.staff")
@receiver([post_save, post_delete], sender=StaffRole, dispatch_uid="crm.grants.staff_role")
def _grants_inputs_changed(sender: Any, **kwargs: Any) -> None:
    # In the same transaction as the change: nobody sees the new revision without it.
    grants_changed()
