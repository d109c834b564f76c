"""What sends what: the reminder rules, an order's milestones, the BPMN service, and the care sweep."""

from datetime import date, timedelta

from portal.care.models import Message, MessageStatus
from portal.care.registry import message_send, order_progress
from portal.care.sweep import care_sweep
from portal.crm.automation.reminders import sweep_reminders
from portal.crm.models import Appointment, AppointmentKind, InsurancePolicy, Stage
from portal.crm.services.sales_process import order_settle
from tests.care.conftest import MORNING
from tests.crm.factories import CustomerFactory, OrderFactory, VehicleFactory
from workers.tasks import send_message


def test_the_reminder_rules_send_birthday_and_renewal_messages_once(crm_people, stores):
    today = MORNING.date()
    buyer = CustomerFactory(
        home_store=stores[0], owner=crm_people["sales"], stage=Stage.CUSTOMER, name="王芳", birthday=date(1990, 3, 10)
    )
    car = VehicleFactory(store=stores[0], customer=buyer, status="sold", plate="沪A88888")
    InsurancePolicy.objects.create(vehicle=car, kind="compulsory", insurer="PICC", expires_on=today + timedelta(30))

    sweep_reminders(now=MORNING)
    sweep_reminders(now=MORNING + timedelta(hours=3))  # twice: nothing more

    sent = {m.template_key: m for m in Message.objects.filter(customer=buyer)}
    assert set(sent) == {"birthday_greeting", "insurance_renewal"}
    assert "沪A88888" in sent["insurance_renewal"].body and "2026-04-09" in sent["insurance_renewal"].body


def test_a_preview_sweep_sends_nothing(crm_people, stores):
    CustomerFactory(home_store=stores[0], owner=crm_people["sales"], stage=Stage.CUSTOMER, birthday=date(1990, 3, 10))
    report = sweep_reminders(now=MORNING, preview=True)
    assert report.actions["send_message"] == 1
    assert Message.objects.count() == 0


def test_a_paid_order_tells_the_customer(crm_people, stores, book):
    car = VehicleFactory(store=stores[0], status="reserved")
    order = OrderFactory(customer=book["mine"], vehicle=car, store=stores[0], salesperson=crm_people["sales"])
    order_settle(order_id=order.pk, by=crm_people["finance"], method="loan")
    message = Message.objects.get(customer=book["mine"])
    assert message.template_key == "order_progress"
    assert (
        message.body
        == f"Dear 李伟, order #{order.pk} at 上海浦东店: your payment is complete (or your loan is approved)."
    )


def test_the_bpmn_services_queue_once(crm_people, stores, book):
    order = OrderFactory(
        customer=book["mine"], vehicle=VehicleFactory(store=stores[0]), store=stores[0], salesperson=crm_people["sales"]
    )
    assert order_progress(order_id=order.pk, milestone="prepared") == MessageStatus.QUEUED
    assert order_progress(order_id=order.pk, milestone="prepared") == "already queued"
    assert message_send(customer_id=book["mine"].pk, template="birthday_greeting", key="x") == MessageStatus.QUEUED
    assert Message.objects.count() == 2


def test_the_care_sweep_confirms_a_booking_the_hook_missed_once(crm_people, stores, book, settings):
    # A bulk write sends no post_save: the sweep finds the booking without its confirmation.
    Appointment.objects.bulk_create(
        [
            Appointment(
                customer=book["mine"],
                store=stores[0],
                kind=AppointmentKind.SERVICE,
                at=MORNING + timedelta(days=1),
                created_by=crm_people["sales"],
            )
        ]
    )
    first, second = care_sweep(), care_sweep()
    assert (first["confirmations queued"], second["confirmations queued"]) == (1, 0)
    message = Message.objects.get()
    send_message.apply(args=[message.pk])
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert (message.template_key, message.status, message.attempts) == ("service_booking_confirmation", "sent", 1)


def test_a_past_visit_recorded_afterwards_is_not_confirmed(crm_people, stores, book):
    Appointment.objects.create(
        customer=book["mine"],
        store=stores[0],
        kind=AppointmentKind.TEST_DRIVE,
        at=MORNING - timedelta(days=1),
        created_by=crm_people["sales"],
    )
    assert Message.objects.count() == 0
