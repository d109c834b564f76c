"""The grants function the engine calls (settings.LOTFLOW["GRANTS_FUNCTION"])."""

from django.contrib.auth.models import AbstractBaseUser

from .models import StaffRole


def grants_for(user: AbstractBaseUser) -> frozenset[tuple[str, int | None]]:
    """(role, store id) pairs the user holds; store None means every store.

    Inactive staff and users without a staff record hold nothing.
    """
    rows = StaffRole.objects.filter(staff__user_id=user.pk, staff__active=True).values_list(
        "role", "group_wide", "staff__store_id"
    )
    return frozenset((role, None if group_wide else store_id) for role, group_wide, store_id in rows)
