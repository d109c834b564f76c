"""Files drawn in bpmn.io or Camunda Modeler run as drawn (issue 19, item 4): lanes bound to roles
by a property, Camunda's extension attributes, a message's payload merged into the process data,
and paths started by a repeating non-interrupting timer that outlive the task it was attached to."""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.errors import DeploymentRefused, InvalidData
from engine.models import Deployment, DueTimer, ItemStatus, WorkItem
from tests.helpers import BPMN_DIR, assert_round_trip, deploy, only_item, open_items

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _elements(instance: int) -> list[str]:
    return sorted(i.element_id for i in open_items(instance))


def _timers(instance: int) -> list[str]:
    return sorted(DueTimer.objects.filter(instance_id=instance).values_list("element_id", flat=True))


# --- a message caught without a message variable ----------------------------------------------


def _deposit(stores, price: int) -> int:
    deploy("payment_merge.bpmn")
    return api.start(
        "payment_merge", business_key="deal-7", data={"store_id": stores[0].pk, "price": price}
    ).instance_id


def test_a_message_without_a_variable_merges_its_payload_and_the_gateway_routes_on_it(stores):
    instance = _deposit(stores, 150000)
    api.correlate_message("deposit_paid", business_key="deal-7", data={"amount": 150000, "method": "card"})
    assert _elements(instance) == ["Activity_handover"]
    detail = api.instance_detail(instance)
    assert detail["incidents"] == []
    assert_round_trip(instance)


def test_the_merged_payload_routes_a_short_payment_the_other_way(stores, people):
    instance = _deposit(stores, 150000)
    api.correlate_message("deposit_paid", business_key="deal-7", data={"amount": 90000})
    item = only_item(instance, "Activity_chase")
    api.complete(item.pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


# --- a repeating non-interrupting timer's paths outlive its host --------------------------------


def _callback(stores) -> int:
    clock.freeze(START)
    deploy("callback_reminders.bpmn")
    return api.start("callback_reminders", data={"store_id": stores[0].pk}).instance_id


def test_each_cycle_of_the_timer_opens_a_reminder_while_the_host_task_is_open(stores):
    instance = _callback(stores)
    assert _timers(instance) == ["Event_hourly"]
    assert api.fire_due_timers(START + HOUR) == 1
    assert api.fire_due_timers(START + 2 * HOUR) == 1
    assert _elements(instance) == ["Activity_callback", "Activity_remind", "Activity_remind"]
    assert only_item(instance, "Activity_callback").role == "sales"
    assert {i.role for i in open_items(instance) if i.element_id == "Activity_remind"} == {"store_manager"}
    assert_round_trip(instance)


def test_completing_the_host_task_stops_the_timer_and_keeps_its_open_reminder(stores, people):
    instance = _callback(stores)
    api.fire_due_timers(START + HOUR)
    api.complete(only_item(instance, "Activity_callback").pk, user=people["sales"])
    assert _elements(instance) == ["Activity_remind"]
    assert _timers(instance) == []
    assert api.fire_due_timers(START + 5 * HOUR) == 0
    assert _elements(instance) == ["Activity_remind"]
    assert api.instance_detail(instance)["status"] == "running"
    assert_round_trip(instance)
    reminder = only_item(instance, "Activity_remind")
    api.complete(reminder.pk, user=people["manager"])
    assert WorkItem.objects.get(pk=reminder.pk).status == ItemStatus.DONE
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_a_completed_reminder_and_the_host_task_end_the_instance(stores, people):
    instance = _callback(stores)
    api.fire_due_timers(START + HOUR)
    api.complete(only_item(instance, "Activity_remind").pk, user=people["manager"])
    assert _elements(instance) == ["Activity_callback"]
    assert _timers(instance) == ["Event_hourly"]
    api.complete(only_item(instance, "Activity_callback").pk, user=people["sales"])
    assert (_elements(instance), _timers(instance)) == ([], [])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


# --- Camunda Modeler's attributes and lanes bound by a property ----------------------------------

BOOKING_FORM = {
    "type": "object",
    "properties": {
        "drive_date": {"type": "string", "format": "date", "title": "试驾日期"},
        "model": {
            "type": "string",
            "title": "车型",
            "oneOf": [{"const": "sedan", "title": "轿车"}, {"const": "suv", "title": "SUV"}],
            "default": "suv",
        },
        "passengers": {"type": "integer", "title": "同行人数", "default": 1, "minimum": 0, "maximum": 4},
        "licence_checked": {"type": "boolean", "title": "已查验驾照", "default": False},
        "note": {"type": "string", "x-widget": "text", "title": "备注", "maxLength": 200},
    },
    "required": ["drive_date"],
}


def _test_drive(stores, source: api.Source | None = None) -> int:
    clock.freeze(START)
    if source is None:
        deploy("camunda_test_drive.bpmn")
    else:
        api.deploy_sources([source])
    return api.start("camunda_test_drive", data={"store_id": stores[0].pk}).instance_id


def test_a_camunda_modeler_file_deploys_unchanged_and_its_task_settings_are_read(stores):
    instance = _test_drive(stores)
    book = only_item(instance, "Task_book")
    assert (book.role, book.priority, book.due_at) == ("sales", 2, START + timedelta(days=1))
    assert book.form == "camunda_test_drive.Task_book.camunda.json"
    assert api.form_for(book) == BOOKING_FORM
    assert_round_trip(instance)


def test_a_camunda_form_is_validated_like_any_other(stores, people):
    instance = _test_drive(stores)
    book = only_item(instance, "Task_book")
    with pytest.raises(InvalidData) as refused:
        api.complete(book.pk, user=people["sales"], data={"passengers": 9})
    assert set(refused.value.errors) == {"drive_date", "passengers"}
    api.complete(book.pk, user=people["sales"], data={"drive_date": "2026-11-04", "model": "sedan"})
    assert_round_trip(instance)


def test_a_camunda_assignee_expression_and_a_lane_role_property_route_the_next_steps(stores, people):
    instance = _test_drive(stores)
    api.complete(only_item(instance, "Task_book").pk, user=people["sales2"], data={"drive_date": "2026-11-04"})
    feedback = only_item(instance, "Task_feedback")
    assert (feedback.assignee_id, feedback.role) == (people["sales2"].pk, "")
    assert api.form_for(feedback)["properties"] == {"keen": {"type": "boolean", "title": "有购买意向"}}
    api.complete(feedback.pk, user=people["sales2"], data={"keen": True})
    offer = only_item(instance, "Task_offer")
    assert offer.role == "store_manager"
    api.complete(offer.pk, user=people["manager"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


def test_spiffworkflow_properties_win_over_camunda_attributes(stores):
    text = (BPMN_DIR / "camunda_test_drive.bpmn").read_text(encoding="utf-8")
    text = text.replace(
        '<bpmn:extensionElements>\n        <camunda:formData>\n          <camunda:formField id="drive_date"',
        "<bpmn:extensionElements>\n        <spiffworkflow:properties>"
        '<spiffworkflow:property name="priority" value="4" /><spiffworkflow:property name="role" value="hq" />'
        '</spiffworkflow:properties>\n        <camunda:formData>\n          <camunda:formField id="drive_date"',
        1,
    ).replace("xmlns:camunda=", 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:camunda=')
    instance = _test_drive(stores, api.Source("camunda_test_drive.bpmn", text))
    book = only_item(instance, "Task_book")
    assert (book.role, book.priority, book.due_at) == ("hq", 4, START + timedelta(days=1))


def test_a_lane_named_by_a_role_code_still_means_that_role(stores):
    deploy("payment_merge.bpmn")
    instance = api.start("payment_merge", business_key="k", data={"store_id": stores[0].pk, "price": 1}).instance_id
    api.correlate_message("deposit_paid", business_key="k", data={"amount": 1})
    assert only_item(instance, "Activity_handover").role == "sales"


def _refused(text: str) -> list[tuple[str, str]]:
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([api.Source("drawn.bpmn", text)])
    assert not Deployment.objects.exists()
    return [(p.element, p.reason) for p in refused.value.problems]


def _camunda(old: str, new: str) -> str:
    text = (BPMN_DIR / "camunda_test_drive.bpmn").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def test_a_user_task_in_a_lane_bound_to_no_role_is_refused_with_the_task_and_the_lane(db):
    problems = _refused(_camunda('camunda:assignee="${Task_book_by}"', ""))
    assert [element for element, _ in problems] == ["Task_feedback", "Lane_1adviser"]
    assert "its lane '销售顾问' is bound to no role" in problems[0][1]
    assert "user tasks Task_feedback need one" in problems[1][1]


def test_a_lane_role_property_naming_no_role_is_refused_at_the_lane(db):
    problems = _refused(_camunda('value="store_manager"', 'value="manager"'))
    assert problems[0] == (
        "Lane_0manager",
        (
            "lane property 'role': 'manager' is no role "
            "(roles: admin, complaints, finance, hq, sales, service, store_manager)"
        ),
    )


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            'camunda:candidateGroups="sales"',
            'camunda:candidateGroups="sales,finance"',
            "camunda:candidateGroups names several groups (sales, finance); a task has one role",
        ),
        (
            'camunda:candidateGroups="sales"',
            'camunda:candidateGroups="seller"',
            "camunda:candidateGroups 'seller' is no role",
        ),
        (
            'type="long" defaultValue="1"',
            'type="long" defaultValue="one"',
            "camunda:formField 'passengers': default value 'one' is not a long",
        ),
        ('type="date">', 'type="file">', "camunda:formField 'drive_date': type 'file' is not supported"),
        (
            'name="min" config="0"',
            'name="validator" config="0"',
            "camunda:formField 'passengers': constraint 'validator' is not supported",
        ),
        ('camunda:priority="2"', 'camunda:priority="50"', "property 'priority' must be between 1 and 5"),
        ('camunda:dueDate="P1D"', 'camunda:dueDate="${import os}"', "property 'due'"),
    ],
)
def test_camunda_settings_that_cannot_be_read_are_refused_at_the_task(db, old, new, reason):
    [(element, got)] = _refused(_camunda(old, new))
    assert element == "Task_book"
    assert got.startswith(reason)


def test_a_camunda_condition_written_as_an_expression_routes_and_the_file_is_stored_unchanged(stores, people):
    instance = _test_drive(stores)
    api.complete(only_item(instance, "Task_book").pk, user=people["sales"], data={"drive_date": "2026-11-04"})
    api.complete(only_item(instance, "Task_feedback").pk, user=people["sales"], data={"keen": False})
    assert (open_items(instance), api.instance_detail(instance)["status"]) == ([], "completed")
    stored = Deployment.objects.get(process_id="camunda_test_drive").bpmn_xml
    assert stored == (BPMN_DIR / "camunda_test_drive.bpmn").read_text(encoding="utf-8")
    assert "${keen &amp;&amp;" in stored


def test_the_inbox_draws_a_camunda_form_like_any_other():
    from portal.inbox.taskforms.fields import build_fields

    fields = build_fields(BOOKING_FORM, values={}, choices={})
    assert [(f.path, f.widget) for f in fields] == [
        ("drive_date", "date"),
        ("model", "radio"),
        ("passengers", "integer"),
        ("licence_checked", "checkbox"),
        ("note", "text"),
    ]
    assert [o.label for o in fields[1].options] == ["轿车", "SUV"]
