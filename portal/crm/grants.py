"""The grants function the engine calls (settings.LOTFLOW["GRANTS_FUNCTION"])."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

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
