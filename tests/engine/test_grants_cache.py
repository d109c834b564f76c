"""Completing work reads the user's grants from a cache that every change of roles,
stores or staff invalidates in the same transaction."""

from pathlib import Path

import pytest

from engine import api, permissions
from engine.errors import NotAllowed
from engine.models import Revision
from portal.crm.models import Staff, StaffRole
from tests.helpers import assert_round_trip, deploy, only_item

SIX_STEPS = str(Path(__file__).resolve().parents[2] / "bench" / "processes" / "bench_six_steps.bpmn")
STEP = {"outcome": "done"}


@pytest.fixture
def six_steps(people, stores):
    deploy(SIX_STEPS)
    return api.start(
        "bench_six_steps", data={"customer_name": "Li Wei", "store_id": stores[0].pk}, user=people["sales"]
    ).instance_id


def _grants_revision() -> int:
    return Revision.objects.get(name=permissions.GRANTS).value


def test_a_removed_role_stops_the_next_step_although_the_grants_were_cached(six_steps, people):
    sales = people["sales"]
    api.complete(only_item(six_steps).pk, user=sales, data=STEP)
    assert sales.pk in permissions._by_user  # the next complete would use the cached grants
    before = _grants_revision()
    StaffRole.objects.filter(staff__user=sales).get().delete()
    assert _grants_revision() == before + 1
    with pytest.raises(NotAllowed):
        api.complete(only_item(six_steps).pk, user=sales, data=STEP)
    assert_round_trip(six_steps)


def test_a_deactivated_or_moved_salesperson_is_refused_and_a_new_role_is_seen(six_steps, people, stores):
    sales, sales2 = people["sales"], people["sales2"]
    api.complete(only_item(six_steps).pk, user=sales, data=STEP)
    staff = Staff.objects.get(user=sales)
    staff.active = False
    staff.save()
    with pytest.raises(NotAllowed):
        api.complete(only_item(six_steps).pk, user=sales, data=STEP)

    api.complete(only_item(six_steps).pk, user=sales2, data=STEP)
    moved = Staff.objects.get(user=sales2)
    moved.store = stores[1]
    moved.save()
    with pytest.raises(NotAllowed):
        api.complete(only_item(six_steps).pk, user=sales2, data=STEP)

    StaffRole.objects.create(staff=Staff.objects.get(user=people["finance"]), role="sales")
    api.complete(only_item(six_steps).pk, user=people["finance"], data=STEP)
    assert_round_trip(six_steps)


def test_without_a_revision_row_the_grants_are_read_every_time(six_steps, people):
    Revision.objects.all().delete()
    sales = people["sales"]
    api.complete(only_item(six_steps).pk, user=sales, data=STEP)
    assert sales.pk not in permissions._by_user
    permissions.grants_changed()  # puts the row back
    assert Revision.objects.get(name=permissions.GRANTS).value == 1
