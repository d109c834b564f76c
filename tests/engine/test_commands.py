"""The engine's management commands: output, and exit codes that say what went wrong
(1 bad input, 3 not found, 4 not allowed, 5 invalid data, 6 conflict, 7 wrong state)."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import tests.engine.services  # noqa: F401 - registers the test services
from engine import clock
from tests.engine.services import UNAVAILABLE
from tests.helpers import BPMN_DIR, assert_round_trip, only_item

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as failed:
        run(*args)
    return failed.value


def _deploy(*names: str) -> None:
    run("deploy", *(str(BPMN_DIR / n) for n in names))


def _start(process_id: str, data: dict, key: str = "", user: str = "sales2") -> int:
    out, _ = run("start", process_id, "--key", key, "--data", json.dumps(data), "--user", user)
    return int(out.strip())


@pytest.fixture
def offer(people, stores):
    """A trade-in offer waiting for a salesperson's review (item id, instance id)."""
    clock.freeze(START)
    _deploy("trade_in_offer.bpmn")
    instance = _start(
        "trade_in_offer",
        {
            "store_id": stores[0].pk,
            "collect_store_id": stores[0].pk,
            "vehicle_id": 1,
            "make": "BYD",
            "model": "Han",
            "book_value": 10,
            "repairs": 1,
            "due_text": "P1D",
        },
    )
    return only_item(instance, "ReviewOffer").pk, instance


# --- deploy -------------------------------------------------------------------------------


def test_deploy_prints_each_process_and_version(db):
    out, _ = run("deploy", str(BPMN_DIR / "exclusive_gateway.bpmn"))
    assert out.strip() == "discount_approval 1"
    again, _ = run("deploy", str(BPMN_DIR / "exclusive_gateway.bpmn"))
    assert again.strip() == "discount_approval 1 (unchanged)"


def test_deploy_of_an_invalid_file_prints_the_problems_and_exits_1(db):
    err = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("deploy", str(BPMN_DIR / "invalid_no_role.bpmn"), stdout=StringIO(), stderr=err)
    assert (failed.value.returncode, str(failed.value)) == (1, "nothing deployed: 1 problem(s)")
    assert err.getvalue().startswith("invalid_no_role.bpmn: Orphan: a user task needs a role")


def test_deploy_of_a_missing_file_exits_1(db):
    assert fails("deploy", str(BPMN_DIR / "no_such_file.bpmn")).returncode == 1


# --- start --------------------------------------------------------------------------------


def test_the_started_instance_is_described_by_instance_json(offer):
    _item, instance = offer
    out, _ = run("instance", str(instance), "--json")
    detail = json.loads(out)
    assert (detail["process_id"], detail["status"], detail["open_tasks"][0]["element_id"]) == (
        "trade_in_offer",
        "running",
        "ReviewOffer",
    )
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["discount_approval", "--data", "{store_id: 1"], 1, "--data is not valid JSON"),
        (["discount_approval", "--data", "[1, 2]"], 5, "--data must be a JSON object"),
        (["discount_approval", "--data", '{"store_id": "上海浦东店"}'], 5, "store_id: must be a store id"),
        (["no_such_process"], 3, "no process 'no_such_process' is deployed (deployed: discount_approval)"),
        (["discount_approval", "--user", "nobody"], 3, "no user 'nobody'"),
    ],
)
def test_start_refuses_bad_input_with_its_exit_code(db, args, code, message):
    _deploy("exclusive_gateway.bpmn")
    failed = fails("start", *args)
    assert failed.returncode == code
    assert message in str(failed)


# --- inbox, claim, release, assign ----------------------------------------------------------------


def test_inbox_json_lists_the_claimable_task(offer):
    item, instance = offer
    out, _ = run("inbox", "sales", "--json")
    inbox = json.loads(out)
    assert [(i["id"], i["instance_id"], i["role"]) for i in inbox["claimable"]] == [(item, instance, "sales")]
    assert (inbox["mine"], inbox["notices"]) == ([], [])
    assert_round_trip(instance)


def test_inbox_text_shows_the_task_with_its_subject(offer):
    item, _ = offer
    out, _ = run("inbox", "sales")
    assert f"{item}  p2  due 2026-11-04T09:00+00:00  Review the trade-in offer [BYD Han]" in out
    assert_round_trip(offer[1])


def test_claim_prints_who_has_the_item(offer):
    item, instance = offer
    assert run("claim", str(item), "--user", "sales")[0].strip() == f"{item} assigned to sales"
    assert_round_trip(instance)


def test_release_prints_that_the_item_is_open_again(offer):
    item, instance = offer
    run("claim", str(item), "--user", "sales")
    assert run("release", str(item), "--user", "sales")[0].strip() == f"{item} open"
    assert_round_trip(instance)


def test_assign_prints_who_the_item_was_handed_to(offer):
    item, instance = offer
    assert run("assign", str(item), "--to", "sales", "--user", "manager")[0].strip() == f"{item} assigned to sales"
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["claim", "{item}", "--user", "other_sales"], 4),  # another store
        (["claim", "999999", "--user", "sales"], 3),  # no such item
        (["claim", "{item}", "--user", "nobody"], 3),  # no such user
        (["claim", "not-a-number", "--user", "sales"], 1),  # not an id
        (["release", "{item}", "--user", "sales"], 4),  # not claimed by sales
        (["assign", "{item}", "--to", "sales", "--user", "sales2"], 4),  # not a manager
        (["assign", "{item}", "--to", "other_sales", "--user", "manager"], 4),  # no role in the store
    ],
)
def test_claim_release_and_assign_refusals_exit_with_their_code(offer, args, code):
    item, _ = offer
    assert fails(*(a.format(item=item) for a in args)).returncode == code
    assert_round_trip(offer[1])


def test_claiming_an_item_someone_else_has_is_a_conflict(offer):
    item, _ = offer
    run("claim", str(item), "--user", "sales")
    failed = fails("claim", str(item), "--user", "manager")
    assert (failed.returncode, str(failed)) == (6, f"work item {item} is already taken by sales")
    assert_round_trip(offer[1])


# --- complete ---------------------------------------------------------------------------------


def test_complete_prints_the_instance_state_and_the_new_items(offer):
    item, instance = offer
    out, _ = run("complete", str(item), "--user", "sales", "--data", '{"decision": "accept", "mileage": 80000}')
    following = only_item(instance, "ConfirmWithCustomer").pk
    assert out.strip() == f"completed; instance {instance} is running; new items: {following}"
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("item_arg", "data", "code", "message"),
    [
        ("{item}", "{decision: accept", 1, "--data is not valid JSON"),
        ("{item}", '"accept"', 5, "--data must be a JSON object"),
        ("{item}", '{"decision": "accept", "mileage": "lots"}', 5, "mileage: 'lots' is not of type 'integer'"),
        ("{item}", '{"decision": "perhaps"}', 5, "decision: 'perhaps' is not one of ['accept', 'decline']"),
        ("{item}", '{"decision": "accept", "colour": "pink"}', 5, "colour: 'pink' is not one of the allowed choices"),
        ("999999", '{"decision": "accept"}', 3, "work item 999999 does not exist"),
    ],
)
def test_complete_refuses_bad_input_with_its_exit_code(offer, item_arg, data, code, message):
    item, instance = offer
    failed = fails("complete", item_arg.format(item=item), "--user", "sales", "--data", data)
    assert failed.returncode == code
    assert message in str(failed)
    assert only_item(instance).pk == item  # nothing changed
    assert_round_trip(instance)


def test_completing_an_item_twice_is_a_conflict(offer):
    item, _ = offer
    run("complete", str(item), "--user", "sales", "--data", '{"decision": "accept"}')
    failed = fails("complete", str(item), "--user", "sales", "--data", '{"decision": "accept"}')
    assert (failed.returncode, str(failed)) == (6, f"work item {item} was already completed by sales")
    assert_round_trip(offer[1])


def test_complete_by_someone_not_allowed_exits_4(offer):
    item, _ = offer
    assert fails("complete", str(item), "--user", "sales2", "--data", '{"decision": "accept"}').returncode == 4
    assert_round_trip(offer[1])


# --- timers, message, cancel, instance ------------------------------------------------------------------


def test_timers_now_fires_what_is_due_and_prints_how_many(stores, people):
    clock.freeze(START)
    _deploy("contact_sla.bpmn")
    instance = _start("contact_sla", {"store_id": stores[0].pk})
    assert run("timers", "--now", "2026-11-02T12:59:00+00:00")[0].strip() == "0"
    assert run("timers", "--now", "2026-11-02T21:00:00+08:00")[0].strip() == "1"  # 13:00 UTC: 4 hours on
    assert run("timers", "--now", "2026-11-02T13:00:00Z")[0].strip() == "0"
    assert_round_trip(instance)


@pytest.mark.parametrize("now", ["tomorrow", "2026-11-02T13:00:00"])
def test_timers_refuses_a_time_it_cannot_place(db, now):
    assert fails("timers", "--now", now).returncode == 1


def test_message_is_delivered_to_the_instance_with_the_key(stores, people):
    _deploy("order_payment.bpmn")
    instance = _start("order_payment", {"store_id": stores[0].pk, "price": 100}, key="order-1")
    run("complete", str(only_item(instance).pk), "--user", "sales")
    out, _ = run("message", "payment_received", "--key", "order-1", "--data", '{"amount": 100, "method": "card"}')
    assert out.strip() == f"delivered to instance {instance} (running)"
    assert only_item(instance).element_id == "HandOver"
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["payment_received", "--key", "order-404"], 3),
        (["payment_received", "--key", "order-1", "--data", "amount=100"], 1),
    ],
)
def test_message_refusals_exit_with_their_code(db, args, code):
    assert fails("message", *args).returncode == code


def test_cancel_by_a_manager_prints_that_the_instance_was_cancelled(offer):
    _item, instance = offer
    out, _ = run("cancel", str(instance), "--user", "manager", "--reason", "duplicate")
    assert out.strip() == f"instance {instance} cancelled"
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("instance_arg", "user", "code"),
    [
        ("{instance}", "sales", 4),  # not a manager
        ("999999", "manager", 3),  # no such instance
    ],
)
def test_cancel_refusals_exit_with_their_code(offer, instance_arg, user, code):
    _item, instance = offer
    failed = fails("cancel", instance_arg.format(instance=instance), "--user", user, "--reason", "mistake")
    assert failed.returncode == code
    assert_round_trip(instance)


def test_cancelling_an_instance_that_ended_exits_7(offer):
    _item, instance = offer
    run("cancel", str(instance), "--user", "manager", "--reason", "duplicate")
    assert fails("cancel", str(instance), "--user", "manager", "--reason", "again").returncode == 7
    assert_round_trip(instance)


def test_instance_text_shows_status_tasks_and_audit(offer):
    _item, instance = offer
    out, _ = run("instance", str(instance))
    assert out.startswith(f"instance {instance}: trade_in_offer v1 running\n")
    assert "ReviewOffer  Review the trade-in offer  role=sales  assignee=-" in out
    assert "started" in out
    assert_round_trip(instance)


def test_instance_of_an_unknown_id_exits_3(db):
    assert fails("instance", "424242", "--json").returncode == 3


# --- incidents and retry --------------------------------------------------------------------------------


@pytest.fixture
def failed_hold(stores):
    UNAVAILABLE.add("VIN-1")
    clock.freeze(START)
    _deploy("vehicle_hold.bpmn")
    out, err = StringIO(), StringIO()
    call_command(
        "start",
        "vehicle_hold",
        "--data",
        json.dumps({"store_id": stores[0].pk, "vin": "VIN-1"}),
        stdout=out,
        stderr=err,
    )
    yield int(out.getvalue()), err.getvalue()
    UNAVAILABLE.discard("VIN-1")


def test_start_reports_an_incident_on_stderr(failed_hold):
    _instance, err = failed_hold
    assert "an automatic step failed" in err
    assert_round_trip(_instance)


def test_incidents_lists_open_incidents_and_retry_resolves_one(failed_hold):
    instance, _ = failed_hold
    out, _ = run("incidents", "--json")
    [incident] = json.loads(out)
    assert (incident["instance_id"], incident["element_id"], incident["status"]) == (
        instance,
        "ReserveVehicle",
        "retrying",
    )
    assert "stock system refused vehicle VIN-1" in run("incidents")[0]
    UNAVAILABLE.discard("VIN-1")
    assert run("retry", str(incident["id"]))[0].strip() == f"incident {incident['id']} resolved"
    assert run("incidents")[0].strip() == "no incidents"
    assert fails("retry", str(incident["id"])).returncode == 7
    assert_round_trip(instance)


def test_retry_of_an_unknown_incident_exits_3(db):
    assert fails("retry", "424242").returncode == 3
