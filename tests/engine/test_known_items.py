"""A complete of an item this process opened, on PostgreSQL: the item is not read again, and its write checks
what the process knew (engine/runtime.py ``_known_item``, ``sql.write_step``). Whatever changed meanwhile (a
claim, the person's roles, a completion elsewhere) fails the write, nothing of it stays, and the command runs
again from a fresh read, which says what is so; a refusal is never made on what the process knew."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import api
from engine.errors import Conflict, NotAllowed
from engine.models import AuditEvent, ItemStatus, ProcessInstance, WorkItem
from portal.crm.models import StaffRole
from tests.helpers import assert_round_trip, deploy, open_items

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BENCH = Path(__file__).resolve().parents[2] / "bench" / "processes" / "bench_six_steps.bpmn"
DONE = {"outcome": "done", "note": "ok"}


@pytest.fixture
def second(people, stores):
    """An instance one step in, done by sales: its second item is one this process opened."""
    deploy(str(BENCH))
    started = api.start("bench_six_steps", data={"customer_name": "Li Wei", "store_id": stores[0].pk})
    after = api.complete(started.opened[0], user=people["sales"], data=DONE)
    return started.instance_id, after.opened[0]


def _written(instance_id: int) -> tuple:
    row = ProcessInstance.objects.get(pk=instance_id)
    items = sorted(WorkItem.objects.filter(instance_id=instance_id).values_list("id", "status", "assignee_id"))
    return row.version, row.state, items, AuditEvent.objects.filter(instance_id=instance_id).count()


def test_the_complete_sends_only_its_write(people, second):
    instance, item = second
    with CaptureQueriesContext(connection) as captured:
        result = api.complete(item, user=people["sales"], data=DONE)
    assert len(captured) == 1, "\n".join(q["sql"] for q in captured)
    assert result.opened == [i.pk for i in open_items(instance)]
    assert_round_trip(instance)


def test_an_item_claimed_meanwhile_is_refused_as_the_database_has_it(people, second):
    instance, item = second
    api.claim(item, user=people["sales2"])
    before = _written(instance)

    with pytest.raises(NotAllowed):
        api.complete(item, user=people["sales"], data=DONE)

    assert _written(instance) == before
    assert api.complete(item, user=people["sales2"], data=DONE).opened
    assert_round_trip(instance)


def test_a_person_whose_role_was_taken_away_meanwhile_is_refused(people, second):
    instance, item = second
    StaffRole.objects.filter(staff__user=people["sales"]).delete()  # moves the grants revision
    before = _written(instance)

    with pytest.raises(NotAllowed):
        api.complete(item, user=people["sales"], data=DONE)

    assert _written(instance) == before
    assert WorkItem.objects.get(pk=item).status == ItemStatus.OPEN


def test_a_person_given_the_role_meanwhile_is_not_refused_on_what_the_process_knew(people, stores, second):
    instance, item = second
    newcomer = people["other_sales"]  # sales in the other store: may not do this one
    with pytest.raises(NotAllowed):
        api.complete(item, user=newcomer, data=DONE)
    role = StaffRole.objects.get(staff__user=newcomer, role="sales")
    role.group_wide = True
    role.save()  # moves the grants revision

    result = api.complete(item, user=newcomer, data=DONE)

    assert WorkItem.objects.get(pk=item).completed_by_id == newcomer.pk
    assert result.opened == [i.pk for i in open_items(instance)]
    assert_round_trip(instance)


def test_an_item_completed_elsewhere_meanwhile_is_a_conflict_and_writes_nothing(people, second):
    instance, item = second
    # As another web process would, without this one's knowledge.
    WorkItem.objects.filter(pk=item).update(status=ItemStatus.DONE, completed_by=people["sales2"])
    before = _written(instance)

    with pytest.raises(Conflict, match="already completed by sales2"):
        api.complete(item, user=people["sales"], data=DONE)

    assert _written(instance) == before
