"""Moving running instances to another version: a dry run says who can move and why not;
the move re-bases each instance that can, in its own transaction, and leaves the others untouched."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engine import api, clock
from engine.models import AuditEvent, DueTimer, ProcessInstance
from tests.helpers import BPMN_DIR, assert_round_trip, deploy, make_staff, only_item, open_items

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _discount(stores, amount: int) -> int:
    return api.start("discount_approval", data={"store_id": stores[0].pk, "amount": amount}).instance_id


def _state(instance: int) -> tuple:
    row = ProcessInstance.objects.get(pk=instance)
    return row.deployment_id, row.version, row.state, [(i.pk, i.status) for i in open_items(instance)]


@pytest.fixture
def discounts(stores):
    """Version 1 routes by amount; version 2 sends every discount to the store manager."""
    deploy("exclusive_gateway.bpmn")
    at_manager = _discount(stores, 10_000)
    at_sales = _discount(stores, 100)
    deploy("discount_approval_v2.bpmn")
    return at_manager, at_sales


def test_the_dry_run_says_which_instances_can_move_and_why_not(discounts):
    at_manager, at_sales = discounts
    plan = api.migration_dry_run("discount_approval", from_version=1, to_version=2)
    verdicts = {v.instance_id: v for v in plan.verdicts}
    assert verdicts[at_manager].movable and verdicts[at_manager].waiting == ["ManagerApproval"]
    assert not verdicts[at_sales].movable
    assert verdicts[at_sales].reasons == [
        "it waits at Confirm the discount (SalesConfirm), which the target version lacks"
    ]


def test_a_dry_run_changes_nothing(discounts):
    before = {i: _state(i) for i in discounts}
    api.migration_dry_run("discount_approval", from_version=1, to_version=2)
    assert {i: _state(i) for i in discounts} == before
    assert not AuditEvent.objects.filter(action__startswith="migrat").exists()


def test_a_waiting_instance_moves_and_completes_on_the_new_version(discounts, people):
    at_manager, _at_sales = discounts
    item_before = only_item(at_manager, "ManagerApproval")
    plan = api.migrate_instances(
        "discount_approval", from_version=1, to_version=2, reason="one approver for all", user=people["admin"]
    )
    assert {v.instance_id: v.outcome for v in plan.verdicts}[at_manager] == "moved"
    assert api.instance_detail(at_manager)["version"] == 2
    assert only_item(at_manager, "ManagerApproval").pk == item_before.pk  # the open step is kept as it was
    assert_round_trip(at_manager)
    api.complete(item_before.pk, user=people["manager"])
    assert api.instance_detail(at_manager)["status"] == "completed"
    assert_round_trip(at_manager)


def test_an_instance_waiting_where_the_target_has_nothing_is_refused_and_untouched(discounts, people):
    _at_manager, at_sales = discounts
    before = _state(at_sales)
    plan = api.migrate_instances(
        "discount_approval", from_version=1, to_version=2, reason="one approver for all", user=people["admin"]
    )
    verdict = {v.instance_id: v for v in plan.verdicts}[at_sales]
    assert verdict.outcome == "refused"
    assert verdict.reasons == ["it waits at Confirm the discount (SalesConfirm), which the target version lacks"]
    assert _state(at_sales) == before
    api.complete(only_item(at_sales, "SalesConfirm").pk, user=people["sales"])
    assert api.instance_detail(at_sales)["status"] == "completed"


def test_every_move_and_refusal_is_audited_with_who_why_and_the_versions(discounts, people):
    at_manager, at_sales = discounts
    api.migrate_instances("discount_approval", from_version=1, to_version=2, reason="simpler", user=people["admin"])
    events = {
        e.instance_id: e
        for e in AuditEvent.objects.filter(action__startswith="migration")
        | AuditEvent.objects.filter(action="migrated")
    }
    assert events[at_manager].action == "migrated"
    assert events[at_sales].action == "migration_refused"
    for event in events.values():
        assert event.actor == people["admin"]
        assert (event.data["reason"], event.data["from_version"], event.data["to_version"]) == ("simpler", 1, 2)


def test_running_the_same_batch_twice_moves_nothing_twice(discounts, people):
    first = api.migrate_instances(
        "discount_approval", from_version=1, to_version=2, reason="r", user=people["admin"], batch="b1"
    )
    again = api.migrate_instances(
        "discount_approval", from_version=1, to_version=2, reason="r", user=people["admin"], batch="b1"
    )
    assert [(v.instance_id, v.outcome) for v in again.verdicts] == [(v.instance_id, v.outcome) for v in first.verdicts]
    assert AuditEvent.objects.filter(action="migrated").count() == 1


def test_a_migration_needs_a_reason_and_two_existing_versions(discounts):
    with pytest.raises(api.InvalidData):
        api.migrate_instances("discount_approval", from_version=1, to_version=2, reason="  ")
    with pytest.raises(api.NotFound):
        api.migration_dry_run("discount_approval", from_version=1, to_version=7)


# --- timers --------------------------------------------------------------------------------


def _sla(stores) -> int:
    clock.freeze(START)
    deploy("contact_sla.bpmn")
    return api.start("contact_sla", data={"store_id": stores[0].pk}).instance_id


def _timers(instance: int) -> list[tuple[str, datetime]]:
    return sorted(DueTimer.objects.filter(instance_id=instance).values_list("element_id", "due_at"))


def test_waiting_timers_keep_their_due_times_and_the_new_step_follows(stores, people):
    instance = _sla(stores)
    clock.freeze(START + HOUR)
    deploy(str(BPMN_DIR / "migration" / "contact_sla_v2.bpmn"))
    plan = api.migrate_instances("contact_sla", from_version=1, to_version=2, reason="record outcomes")
    assert [v.outcome for v in plan.verdicts] == ["moved"]
    assert _timers(instance) == [("DayLate", START + 24 * HOUR), ("FourHoursLate", START + 4 * HOUR)]
    assert_round_trip(instance)
    api.complete(only_item(instance, "CallCustomer").pk, user=people["sales"])
    assert [i.element_id for i in open_items(instance)] == ["RecordOutcome"]
    assert _timers(instance) == []
    assert_round_trip(instance)


def test_an_instance_whose_timer_definition_changed_is_refused(stores):
    instance = _sla(stores)
    deploy(str(BPMN_DIR / "migration" / "contact_sla_timer_changed.bpmn"))
    before = _state(instance)
    plan = api.migrate_instances("contact_sla", from_version=1, to_version=2, reason="longer")
    [verdict] = plan.verdicts
    assert verdict.outcome == "refused"
    assert verdict.reasons == ["the definition of its timer DayLate changed"]
    assert _state(instance) == before


# --- the command ---------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = StringIO()
    call_command("migrate_instances", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_prints_one_line_per_instance(discounts, people):
    at_manager, at_sales = discounts
    dry = _command("discount_approval", "--from", "1", "--to", "2", "--dry-run")
    assert dry.splitlines() == [
        f"instance {at_manager}  at ManagerApproval  can move",
        (
            f"instance {at_sales}  at SalesConfirm  cannot move: "
            "it waits at Confirm the discount (SalesConfirm), which the target version lacks"
        ),
    ]
    assert api.instance_detail(at_manager)["version"] == 1
    done = _command("discount_approval", "--from", "1", "--to", "2", "--reason", "simpler", "--user", "admin")
    assert done.splitlines()[0] == f"instance {at_manager}  at ManagerApproval  moved"
    assert done.splitlines()[1].startswith(f"instance {at_sales}  at SalesConfirm  refused: ")


def test_the_command_wants_a_reason_to_move(discounts):
    with pytest.raises(CommandError) as failed:
        _command("discount_approval", "--from", "1", "--to", "2")
    assert "--reason" in str(failed.value)


# --- call activities and forms ---------------------------------------------------------------


def test_an_instance_inside_a_started_call_activity_is_refused(stores):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    api.start("vehicle_purchase", data={"store_id": stores[0].pk})
    deploy(str(BPMN_DIR / "migration" / "vehicle_purchase_v2.bpmn"))
    [verdict] = api.migration_dry_run("vehicle_purchase", from_version=1, to_version=2).verdicts
    assert verdict.reasons == ["the call activity or subprocess Inspect the car (Inspection) has already started"]


def test_an_open_step_whose_task_changed_gets_a_fresh_work_item(stores, people):
    deploy("inspection_v1.bpmn")
    deploy("vehicle_purchase.bpmn")
    mechanic = make_staff("mechanic", stores[0], ["service"])
    instance = api.start("vehicle_purchase", data={"store_id": stores[0].pk}).instance_id
    api.complete(only_item(instance, "InspectVehicle").pk, user=mechanic, data={"condition": "fair"})
    old = api.claim(only_item(instance, "MakeOffer").pk, user=people["sales"])
    deploy(str(BPMN_DIR / "migration" / "vehicle_purchase_v2.bpmn"))
    [verdict] = api.migrate_instances(
        "vehicle_purchase", from_version=1, to_version=2, reason="written offers"
    ).verdicts
    assert (verdict.outcome, verdict.reopened) == ("moved", ["MakeOffer"])
    new = only_item(instance, "MakeOffer")
    assert (new.pk != old.pk, new.title, new.instructions) == (
        True,
        "Make a written offer",
        "The car is in fair condition.",
    )
    assert (new.assignee, new.claimed) == (people["sales"], True)  # still with the salesperson who took it
    assert_round_trip(instance)
    api.complete(new.pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"


def test_an_open_step_whose_form_now_requires_more_is_refused(stores):
    deploy("vehicle_reservation.bpmn")
    api.start("vehicle_reservation", data={"store_id": stores[0].pk})
    deploy(str(BPMN_DIR / "migration" / "vehicle_reservation_v2.bpmn"))
    [verdict] = api.migration_dry_run("vehicle_reservation", from_version=1, to_version=2).verdicts
    assert verdict.reasons == ["the form of Check the car is in stock (CheckStock) now requires checked_where"]


def test_a_moved_instances_timer_fires_on_the_new_version(stores):
    instance = _sla(stores)
    deploy(str(BPMN_DIR / "migration" / "contact_sla_v2.bpmn"))
    api.migrate_instances("contact_sla", from_version=1, to_version=2, reason="record outcomes")
    assert api.fire_due_timers(START + 4 * HOUR) == 1
    assert sorted(i.element_id for i in open_items(instance)) == ["CallCustomer", "ChaseCall"]
    assert api.instance_detail(instance)["version"] == 2
    assert_round_trip(instance)
