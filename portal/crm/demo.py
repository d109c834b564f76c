"""The demo data set `make run` loads: two stores, a user for every role, a few prospects.

Every demo user's password is ``lotflow`` (a demo machine only; listed in the README).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Role, Staff, StaffRole, Store

DEMO_PASSWORD = "lotflow"  # noqa: S105 - published demo login, not a secret
STORES = [("Pudong", "East"), ("West Lake", "East")]
STORE_ROLES = [Role.SALES, Role.STORE_MANAGER, Role.FINANCE, Role.SERVICE, Role.COMPLAINTS]
GROUP_ROLES = [Role.HQ, Role.ADMIN]


def username_for(store: str, role: str, n: int = 1) -> str:
    prefix = store.lower().replace(" ", "")
    return f"{prefix}_{role}" + (str(n) if role == Role.SALES else "")


@transaction.atomic
def seed_demo() -> list[str]:
    """Create (or keep) the demo stores and staff; returns the usernames."""
    users = []
    for name, region in STORES:
        store, _ = Store.objects.get_or_create(name=name, defaults={"region": region})
        for role in STORE_ROLES:
            for n in (1, 2) if role == Role.SALES else (1,):
                users.append(_staff(username_for(name, role, n), store, role, group_wide=False))
    for role in GROUP_ROLES:
        users.append(_staff(role.value, None, role, group_wide=True))
    return users


def _staff(username: str, store: Store | None, role: str, *, group_wide: bool) -> str:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"first_name": username.split("_")[0].title(), "last_name": role.replace("_", " ").title()},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.save()
    staff, _ = Staff.objects.get_or_create(user=user, defaults={"store": store})
    StaffRole.objects.get_or_create(staff=staff, role=role, defaults={"group_wide": group_wide})
    return username
