"""Timers: boundary (interrupting or not) and intermediate, with ISO durations, dates and
cycles, fired by moving the injectable clock and calling fire_due_timers."""

from datetime import UTC, datetime, timedelta

from engine import api, clock
from engine.models import DueTimer, ItemStatus, WorkItem
from tests.helpers import assert_round_trip, deploy, only_item, open_items

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _start(process_id: str, stores, **data) -> int:
    clock.freeze(START)
    deploy(f"{process_id}.bpmn")
    return api.start(process_id, data={"store_id": stores[0].pk, **data}).instance_id


def _timers(instance: int) -> list[tuple[str, datetime]]:
    return sorted(DueTimer.objects.filter(instance_id=instance).values_list("element_id", "due_at"))


def _elements(instance: int) -> list[str]:
    return sorted(i.element_id for i in open_items(instance))


# --- boundary timers -----------------------------------------------------------------------


def test_boundary_timers_wait_as_due_timer_rows_with_their_due_times(stores):
    instance = _start("contact_sla", stores)
    assert _timers(instance) == [("DayLate", START + 24 * HOUR), ("FourHoursLate", START + 4 * HOUR)]
    assert [t["element_id"] for t in api.instance_detail(instance)["timers"]] == ["FourHoursLate", "DayLate"]
    assert_round_trip(instance)


def test_nothing_fires_before_the_due_time(stores):
    instance = _start("contact_sla", stores)
    assert api.fire_due_timers(START + 4 * HOUR - timedelta(seconds=1)) == 0
    assert _elements(instance) == ["CallCustomer"]
    assert_round_trip(instance)


def test_non_interrupting_timer_escalates_and_leaves_the_task_open(stores):
    instance = _start("contact_sla", stores)
    assert api.fire_due_timers(START + 4 * HOUR) == 1
    assert _elements(instance) == ["CallCustomer", "ChaseCall"]
    assert only_item(instance, "ChaseCall").role == "store_manager"
    assert_round_trip(instance)


def test_firing_the_same_time_twice_escalates_only_once(stores):
    instance = _start("contact_sla", stores)
    api.fire_due_timers(START + 4 * HOUR)
    assert api.fire_due_timers(START + 4 * HOUR) == 0
    assert api.fire_due_timers(START + 5 * HOUR) == 0
    assert _elements(instance) == ["CallCustomer", "ChaseCall"]
    assert _timers(instance) == [("DayLate", START + 24 * HOUR)]
    assert_round_trip(instance)


def test_interrupting_timer_cancels_the_task_and_its_other_timers(stores):
    instance = _start("contact_sla", stores)
    call = only_item(instance, "CallCustomer")
    api.fire_due_timers(START + 4 * HOUR)
    assert api.fire_due_timers(START + 24 * HOUR) == 1
    assert _elements(instance) == ["ChaseCall", "ReassignLead"]
    assert WorkItem.objects.get(pk=call.pk).status == ItemStatus.CANCELLED
    assert _timers(instance) == []
    assert_round_trip(instance)


def test_completing_the_task_in_time_removes_its_timers(stores, people):
    instance = _start("contact_sla", stores)
    api.complete(only_item(instance, "CallCustomer").pk, user=people["sales"])
    assert _timers(instance) == []
    assert api.fire_due_timers(START + 48 * HOUR) == 0
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_the_escalation_outlives_the_task_it_escalated(stores, people):
    instance = _start("contact_sla", stores)
    api.fire_due_timers(START + 4 * HOUR)
    api.complete(only_item(instance, "CallCustomer").pk, user=people["sales"])
    assert _elements(instance) == ["ChaseCall"]
    assert (_timers(instance), api.instance_detail(instance)["status"]) == ([], "running")
    assert_round_trip(instance)


def test_the_clock_the_api_reads_can_be_moved_instead_of_passing_now(stores):
    instance = _start("contact_sla", stores)
    with clock.frozen(START + 4 * HOUR):
        assert api.fire_due_timers() == 1
    assert _elements(instance) == ["CallCustomer", "ChaseCall"]
    assert only_item(instance, "ChaseCall").created_at == START + 4 * HOUR
    assert_round_trip(instance)


def test_a_timer_firing_is_audited_with_its_element_and_time(stores):
    instance = _start("contact_sla", stores)
    api.fire_due_timers(START + 4 * HOUR)
    fired = [
        (e["element_id"], e["data"]) for e in api.instance_detail(instance)["audit"] if e["action"] == "timer_fired"
    ]
    assert fired == [("FourHoursLate", {"at": (START + 4 * HOUR).isoformat()})]
    assert_round_trip(instance)


# --- intermediate timers: duration expression and date ------------------------------------------


def test_intermediate_duration_comes_from_an_expression_over_the_data(stores):
    instance = _start("follow_up_wait", stores, wait_days=3)
    assert _timers(instance) == [("WaitDays", START + timedelta(days=3))]
    assert open_items(instance) == []
    assert_round_trip(instance)


def test_intermediate_duration_timer_opens_the_next_task_when_due(stores):
    instance = _start("follow_up_wait", stores, wait_days=3)
    assert api.fire_due_timers(START + timedelta(days=3)) == 1
    assert _elements(instance) == ["CallBack"]
    assert_round_trip(instance)


def test_time_date_timer_waits_for_its_date(stores, people):
    instance = _start("follow_up_wait", stores, wait_days=1)
    api.fire_due_timers(START + timedelta(days=1))
    clock.freeze(START + timedelta(days=2))
    api.complete(only_item(instance, "CallBack").pk, user=people["sales"])
    sale = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 +08:00
    assert _timers(instance) == [("SaleStarts", sale)]
    assert api.fire_due_timers(sale - timedelta(minutes=1)) == 0
    assert api.fire_due_timers(sale) == 1
    assert _elements(instance) == ["InviteToSale"]
    assert_round_trip(instance)


# --- cycles ------------------------------------------------------------------------------------------


def test_a_cycle_waits_one_interval_for_its_first_firing(stores):
    instance = _start("service_reminders", stores)
    assert _timers(instance) == [("EveryHour", START + HOUR)]
    assert_round_trip(instance)


def test_a_cycle_of_three_fires_three_times_then_stops(stores):
    instance = _start("service_reminders", stores)
    fired = [api.fire_due_timers(START + n * HOUR) for n in (1, 2, 3, 4, 5)]
    assert fired == [1, 1, 1, 0, 0]
    assert _elements(instance) == ["RemindCustomer"] * 3 + ["ServiceVisit"]
    assert _timers(instance) == []
    assert_round_trip(instance)


def test_a_cycle_reschedules_its_row_after_each_firing(stores):
    instance = _start("service_reminders", stores)
    api.fire_due_timers(START + HOUR)
    assert _timers(instance) == [("EveryHour", START + 2 * HOUR)]
    assert_round_trip(instance)


def test_completing_the_task_stops_its_cycle_and_keeps_the_reminders_it_raised(stores, people):
    # BPMN 2.0: the paths a non-interrupting timer started outlive the task it was attached to;
    # only the timer stops (SpiffWorkflow 3.2.0 alone would withdraw them, see engine/spiff.py).
    instance = _start("service_reminders", stores)
    api.fire_due_timers(START + HOUR)
    reminder = only_item(instance, "RemindCustomer")
    api.complete(only_item(instance, "ServiceVisit").pk, user=people["sales"])
    assert (_timers(instance), _elements(instance)) == ([], ["RemindCustomer"])
    assert api.fire_due_timers(START + 3 * HOUR) == 0
    assert_round_trip(instance)
    api.complete(reminder.pk, user=people["sales"])
    assert WorkItem.objects.get(pk=reminder.pk).status == ItemStatus.DONE
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)
