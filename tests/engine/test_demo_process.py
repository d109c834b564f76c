"""The shipped demo process, walked end to end through the engine API."""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.errors import Conflict, InvalidData, NotAllowed
from tests.helpers import assert_round_trip, deploy, only_item

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo(people, stores, settings):
    clock.freeze(START)
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"))
    result = api.start(
        "lead_followup",
        business_key="cust-7",
        user=people["manager"],
        data={"store_id": stores[0].pk, "customer_id": 7, "customer_name": "Li Wei", "phone": "13800000007"},
    )
    return result.instance_id


def test_contact_task_waits_in_the_sales_queue_of_the_store(demo, people):
    item = only_item(demo, "Contact")
    assert (item.role, item.store_id, item.subject_label, item.subject_ref) == (
        "sales",
        item.store_id,
        "Li Wei",
        "customer:7",
    )
    assert item.due_at == START + timedelta(hours=24)
    assert "Li Wei" in item.instructions and "上海浦东店" in item.instructions
    assert [i.pk for i in api.inbox_for(people["sales"]).claimable] == [item.pk]
    assert api.inbox_for(people["other_sales"]).claimable == []
    assert_round_trip(demo)


def test_interested_prospect_goes_to_the_salesperson_who_called(demo, people):
    item = only_item(demo, "Contact")
    api.complete(item.pk, user=people["sales"], data={"outcome": "interested", "notes": "SUV"})
    booking = only_item(demo, "BookTestDrive")
    assert booking.assignee_id == people["sales"].pk
    assert_round_trip(demo)
    api.complete(
        booking.pk,
        user=people["sales"],
        data={"test_drive_at": "2026-11-04T10:00:00+08:00", "model": "Model Y", "accompanied_by": "sales2"},
    )
    assert api.instance_detail(demo)["status"] == "completed"


def test_wrong_data_is_refused_with_the_field_named_and_nothing_changes(demo, people):
    item = only_item(demo, "Contact")
    with pytest.raises(InvalidData) as refused:
        api.complete(item.pk, user=people["sales"], data={"outcome": "maybe", "colour": "red"})
    assert set(refused.value.errors) == {"outcome", "colour"}
    assert only_item(demo, "Contact").pk == item.pk
    assert_round_trip(demo)


def test_salesperson_of_another_store_may_not_complete(demo, people):
    item = only_item(demo, "Contact")
    with pytest.raises(NotAllowed):
        api.complete(item.pk, user=people["other_sales"], data={"outcome": "interested"})


def test_completing_twice_says_it_was_already_completed(demo, people):
    item = only_item(demo, "Contact")
    api.complete(item.pk, user=people["sales"], data={"outcome": "not_interested"})
    with pytest.raises(Conflict, match="already completed by sales"):
        api.complete(item.pk, user=people["sales2"], data={"outcome": "interested"})


def test_overdue_contact_escalates_to_the_store_manager_exactly_once(demo, people):
    assert api.fire_due_timers(START + timedelta(hours=23)) == 0
    assert api.fire_due_timers(START + timedelta(hours=24)) == 1
    assert api.fire_due_timers(START + timedelta(hours=24)) == 0
    assert api.fire_due_timers(START + timedelta(hours=48)) == 0
    chase = only_item(demo, "ChaseSalesperson")
    assert chase.role == "store_manager"
    assert [i.pk for i in api.inbox_for(people["manager"]).claimable] == [chase.pk]
    only_item(demo, "Contact")  # non-interrupting: the contact task stays
    assert_round_trip(demo)


def test_stats_count_who_waits_where_and_how_long_steps_take(demo, people, capsys):
    from django.core.management import call_command

    before = {s["element_id"]: s["waiting"] for s in api.process_stats("lead_followup")["steps"]}
    item = only_item(demo, "Contact")
    clock.freeze(START + timedelta(hours=3))
    api.complete(item.pk, user=people["sales"], data={"outcome": "interested"})
    stats = api.process_stats("lead_followup")
    steps = {s["element_id"]: s for s in stats["steps"]}
    assert before == {"Contact": 1, "ContactOverdue": 1}
    assert stats["instances"] == {"running": 1}
    assert (steps["Contact"]["done"], steps["Contact"]["average_seconds"]) == (1, 3 * 3600)
    assert steps["BookTestDrive"]["waiting"] == 1 and "ContactOverdue" not in steps
    call_command("stats", "lead_followup")
    assert "3.0 h" in capsys.readouterr().out
