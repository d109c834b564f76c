"""The complaint process walked through the engine API: SLA escalations, approval, closing, reopening."""

from datetime import UTC, datetime, timedelta

import pytest

from engine import api, clock
from engine.errors import InvalidData, NotAllowed
from portal.crm.models import Complaint
from portal.crm.services.staff import staff_deactivate
from tests.crm.factories import CustomerFactory, VehicleFactory
from tests.helpers import assert_round_trip, deploy, make_staff, only_item

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def case(people, stores, settings) -> int:
    clock.freeze(START)
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "complaint.bpmn"))
    people["handler"] = make_staff("handler", stores[0], ["complaints"])
    customer = CustomerFactory(name="Li Wei", home_store=stores[0], owner=people["sales"])
    iid = api.start(
        "complaint",
        business_key=f"complaint:{customer.pk}",
        user=people["handler"],
        data={"store_id": stores[0].pk, "customer_id": customer.pk, "customer_name": customer.name},
    ).instance_id
    car = VehicleFactory(store=stores[0], customer=customer, status="sold")
    done(
        iid,
        "Intake",
        people["handler"],
        channel="phone",
        category="vehicle_quality",
        severity="high",
        vehicle_id=car.pk,
        description="The air conditioning stopped working",
    )
    return iid


def done(iid: int, element: str, user, **data) -> None:
    api.complete(only_item(iid, element).pk, user=user, data=data)


def investigate(iid: int, people) -> None:
    done(iid, "Acknowledge", people["handler"], ack_channel="phone", ack_note="We are on it")
    done(iid, "Investigate", people["handler"], findings="Compressor failed", root_cause="product_defect")


def test_intake_records_the_complaint_and_sets_the_acknowledgement_sla_by_severity(case, people):
    complaint = Complaint.objects.get()
    ack = only_item(case, "Acknowledge")
    assert (complaint.channel, complaint.severity, complaint.status, complaint.handler) == (
        "phone",
        "high",
        "open",
        people["handler"],
    )
    assert ack.assignee_id == people["handler"].pk and ack.due_at == START + timedelta(hours=4)
    assert complaint.deadline == START + timedelta(hours=4)
    assert_round_trip(case)


def test_late_acknowledgement_and_investigation_escalate_to_the_store_manager(case, people):
    assert api.fire_due_timers(START + timedelta(hours=4)) == 1
    assert only_item(case, "EscalateAck").role == "store_manager"
    done(case, "EscalateAck", people["manager"], action="called")
    clock.freeze(START + timedelta(hours=5))
    done(case, "Acknowledge", people["handler"], ack_channel="phone", ack_note="Sorry for the wait")
    investigation = only_item(case, "Investigate")
    assert "Book the car into the workshop" in investigation.instructions
    assert api.fire_due_timers(START + timedelta(hours=5, days=3)) == 1
    assert only_item(case, "EscalateInvestigation").role == "store_manager"
    assert Complaint.objects.get().status == "in_progress"
    assert_round_trip(case)


def test_high_compensation_needs_the_managers_approval_and_the_customers_confirmation(case, people):
    investigate(case, people)
    done(
        case,
        "ProposeResolution",
        people["handler"],
        cause="car_condition",
        resolution="Replace the compressor",
        compensation=5000,
    )
    done(case, "ManagerApproval", people["manager"], decision="reject", comment="Too much")
    done(
        case,
        "ProposeResolution",
        people["handler"],
        cause="car_condition",
        resolution="Replace the compressor",
        compensation=3000,
    )
    done(case, "ManagerApproval", people["manager"], decision="approve")
    done(case, "CustomerConfirmation", people["handler"], customer_response="rejected")
    done(
        case,
        "ProposeResolution",
        people["handler"],
        cause="car_condition",
        resolution="Replace it and a free service",
        compensation=0,
    )
    done(case, "CustomerConfirmation", people["handler"], customer_response="accepted")
    complaint = Complaint.objects.get()
    assert complaint.status == "resolved" and complaint.cause == "car_condition"
    assert complaint.acknowledged_at is not None and complaint.acknowledged_at <= complaint.resolved_at
    done(case, "Close", people["handler"], resolution="Compressor replaced, free service", satisfaction_score=4)
    done(case, "FollowUpCall", people["handler"], reopen=False)
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.satisfaction_score, complaint.compensation) == ("closed", 4, 0)
    assert api.instance_detail(case)["status"] == "completed"
    assert_round_trip(case)


def test_the_proposer_may_not_approve_their_own_compensation(people, stores, settings):
    clock.freeze(START)
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "complaint.bpmn"))
    lead = make_staff("lead_handler", stores[0], ["complaints", "store_manager"])
    customer = CustomerFactory(name="Wang Fang", home_store=stores[0])
    iid = api.start(
        "complaint",
        user=lead,
        data={"store_id": stores[0].pk, "customer_id": customer.pk, "customer_name": customer.name},
    ).instance_id
    done(iid, "Intake", lead, channel="wechat", category="billing", severity="low", description="Charged twice")
    done(iid, "Acknowledge", lead, ack_channel="wechat", ack_note="Checking")
    done(iid, "Investigate", lead, findings="Charged twice", root_cause="policy")
    done(
        iid, "ProposeResolution", lead, cause="car_condition", resolution="Refund the second charge", compensation=2500
    )
    approval = only_item(iid, "ManagerApproval")
    with pytest.raises(NotAllowed):
        api.complete(approval.pk, user=lead, data={"decision": "approve"})
    assert only_item(iid, "ManagerApproval").pk == approval.pk
    api.complete(approval.pk, user=people["manager"], data={"decision": "approve"})
    only_item(iid, "CustomerConfirmation")
    assert_round_trip(iid)


def test_a_complaint_is_not_closed_without_a_resolution_and_can_be_reopened(case, people):
    investigate(case, people)
    done(
        case,
        "ProposeResolution",
        people["handler"],
        cause="car_condition",
        resolution="Replace the compressor",
        compensation=0,
    )
    done(case, "CustomerConfirmation", people["handler"], customer_response="accepted")
    close = only_item(case, "Close")
    assert close.values == {"resolution": "Replace the compressor"}
    with pytest.raises(InvalidData) as refused:
        api.complete(close.pk, user=people["handler"], data={"resolution": "  ", "satisfaction_score": 5})
    assert set(refused.value.errors) == {"resolution"}
    with pytest.raises(InvalidData):
        api.complete(close.pk, user=people["handler"], data={"satisfaction_score": 5})
    assert Complaint.objects.get().status == "resolved" and only_item(case, "Close").pk == close.pk
    done(case, "Close", people["handler"], resolution="Replace the compressor", satisfaction_score=5)
    acknowledged = Complaint.objects.get().acknowledged_at
    done(case, "FollowUpCall", people["handler"], reopen=True, reopen_reason="It failed again")
    complaint = Complaint.objects.get()  # resolved again later; acknowledged once
    assert (complaint.status, complaint.resolved_at, complaint.acknowledged_at) == ("in_progress", None, acknowledged)
    only_item(case, "Investigate")
    assert_round_trip(case)


def test_a_complaint_opened_by_a_return_visit_is_completed_at_intake_not_duplicated(people, stores, settings):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "complaint.bpmn"))
    handler = make_staff("handler", stores[0], ["complaints"])
    customer = CustomerFactory(name="Zhao Lei", home_store=stores[0])
    opened = Complaint.objects.create(
        customer=customer, store=stores[0], channel="phone", category="return visit", description="Satisfaction 1/5"
    )
    iid = api.start(
        "complaint",
        user=handler,
        data={
            "store_id": stores[0].pk,
            "customer_id": customer.pk,
            "customer_name": customer.name,
            "complaint_id": opened.pk,
        },
    ).instance_id
    done(
        iid,
        "Intake",
        handler,
        channel="phone",
        category="service_quality",
        severity="critical",
        description="Car returned dirty after service",
    )
    opened.refresh_from_db()
    assert Complaint.objects.count() == 1
    assert (opened.category, opened.severity, opened.handler) == ("service_quality", "critical", handler)
    assert_round_trip(iid)


def test_stats_show_complaints_waiting_for_acknowledgement(case):
    steps = {s["element_id"]: s for s in api.process_stats("complaint")["steps"]}
    assert (steps["Acknowledge"]["waiting"], steps["Intake"]["done"]) == (1, 1)


def test_the_car_of_a_complaint_must_be_the_customers(people, stores, settings):
    from engine.errors import InvalidData

    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "complaint.bpmn"))
    handler = make_staff("handler2", stores[0], ["complaints"])
    customer = CustomerFactory(name="Zhao Lei", home_store=stores[0])
    iid = api.start(
        "complaint",
        business_key="complaint:x",
        user=handler,
        data={"store_id": stores[0].pk, "customer_id": customer.pk, "customer_name": customer.name},
    ).instance_id
    someone_elses = VehicleFactory(store=stores[0], customer=CustomerFactory(home_store=stores[0]), status="sold")
    with pytest.raises(InvalidData) as refused:
        done(
            iid,
            "Intake",
            handler,
            channel="phone",
            category="vehicle_quality",
            severity="high",
            vehicle_id=someone_elses.pk,
            description="Noise",
        )
    assert "vehicle_id" in refused.value.errors
    assert only_item(iid, "Intake")


def test_when_the_handler_leaves_their_steps_go_to_the_desk_and_later_steps_too(case, people, stores):
    ack = only_item(case, "Acknowledge")
    assert ack.assignee == people["handler"]
    staff_deactivate(staff_id=people["handler"].staff.pk, by=people["manager"], prospects_to=None, customers_to=None)
    ack.refresh_from_db()
    assert ack.assignee is None and ack.role == "complaints"  # back in the desk's queue
    colleague = make_staff("handler2", stores[0], ["complaints"])
    api.claim(ack.pk, user=colleague)
    done(case, "Acknowledge", colleague, ack_channel="phone", ack_note="We are on it")
    investigate_step = only_item(case, "Investigate")  # assigned to whoever took it in, who has left
    assert investigate_step.assignee is None and investigate_step.role == "complaints"
    assert_round_trip(case)
