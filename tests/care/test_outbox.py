"""The outbox: a booked test drive is confirmed once, consent stops everything, quiet hours and the cap."""

import json
from datetime import timedelta

import pytest

from engine import api
from portal.care.consent import consent_set
from portal.care.delivery import TryLater, message_deliver
from portal.care.models import Message, MessageStatus
from portal.care.outbox import queue_message
from portal.care.triggers import confirmations_queue
from portal.crm.models import AppointmentKind
from portal.crm.services.contacts import appointment_book
from tests.care.conftest import MORNING, sms_files
from tests.crm.factories import CustomerFactory
from workers.tasks import send_message


def _send_all() -> None:
    for pk in Message.objects.filter(status=MessageStatus.QUEUED).values_list("pk", flat=True):
        send_message.apply(args=[pk])


def test_a_booked_test_drive_is_confirmed_once(crm_people, stock, stores, settings):
    customer = CustomerFactory(name="李伟", home_store=stores[0], owner=crm_people["sales"], phone="13912345678")
    appointment = appointment_book(
        customer_id=customer.pk,
        by=crm_people["sales"],
        kind=AppointmentKind.TEST_DRIVE,
        at=MORNING + timedelta(days=2),
        vehicle_id=stock["camry"].pk,
    )
    _send_all()
    assert confirmations_queue() == 0  # the sweep, twice: already confirmed
    assert confirmations_queue() == 0
    _send_all()

    message = Message.objects.get(customer=customer)
    assert message.status == MessageStatus.SENT
    assert message.template_key == "test_drive_confirmation"
    assert "李伟" in message.body and "2026-03-12" in message.body and "10:00" in message.body
    files = sms_files(settings)
    assert len(files) == 1
    sent = json.loads(files[0].read_text(encoding="utf-8"))
    assert sent["to"] == "13912345678"
    assert sent["text"] == message.body
    assert appointment.pk in [int(message.dedupe_key.rsplit(":", 1)[1])]


def test_queuing_twice_sends_once(book, settings):
    first = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="birthday:x")
    again = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="birthday:x")
    assert first is not None and again is None
    _send_all()
    _send_all()
    assert len(sms_files(settings)) == 1


def test_an_opted_out_customer_gets_nothing(book, crm_people, settings):
    customer = book["mine"]
    consent_set(customer=customer, channel="sms", allowed=False, via="staff_form", by=crm_people["sales"])
    message = queue_message(customer, "birthday_greeting", {}, dedupe_key="birthday:opt-out")
    _send_all()
    assert message is not None
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.SUPPRESSED, "opted_out")
    assert sms_files(settings) == []


def test_an_opt_out_after_queuing_still_stops_the_message(book, settings):
    customer = book["mine"]
    message = queue_message(customer, "birthday_greeting", {}, dedupe_key="birthday:late")
    consent_set(customer=customer, channel="sms", allowed=False, via="sms_reply")
    _send_all()
    message.refresh_from_db()
    assert message.status == MessageStatus.SUPPRESSED
    assert sms_files(settings) == []


def test_quiet_hours_hold_a_message_until_morning(book, settings):
    api_now = MORNING.replace(hour=22)
    from engine import clock

    clock.freeze(api_now)
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="birthday:night")
    assert message.not_before == MORNING.replace(day=11, hour=8)
    with pytest.raises(TryLater) as later:  # too early: the task retries when the quiet hours end
        message_deliver(message_id=message.pk)
    assert later.value.seconds == 10 * 3600
    assert sms_files(settings) == []
    clock.freeze(MORNING.replace(day=11, hour=8, minute=1))
    _send_all()
    assert len(sms_files(settings)) == 1


def test_the_daily_cap_holds_back_the_rest(book, settings):
    settings.LOTFLOW_CARE = {**settings.LOTFLOW_CARE, "DAILY_CAP": 2}
    sent = [queue_message(book["mine"], "birthday_greeting", {}, dedupe_key=f"cap:{n}") for n in range(3)]
    assert [m.status for m in sent] == [MessageStatus.QUEUED, MessageStatus.QUEUED, MessageStatus.SUPPRESSED]
    assert sent[2].reason == "daily_cap"


def test_a_message_carries_only_what_its_template_names(book):
    message = queue_message(
        book["mine"],
        "birthday_greeting",
        {"id_number": book["mine"].id_number, "car": "沪A12345"},
        dedupe_key="birthday:data",
    )
    assert set(message.params) == {"customer_name", "store_name"}
    assert book["mine"].id_number not in message.body


def test_english_customers_read_english(book):
    from portal.care.models import Preference

    Preference.objects.create(customer=book["mine"], language="en")
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="birthday:en")
    assert message.body.startswith("Dear 李伟")


def test_an_unknown_kind_is_refused(book):
    with pytest.raises(ValueError, match="not a kind of message"):
        queue_message(book["mine"], "nonsense", {}, dedupe_key="x")


def test_no_phone_no_sms(book, settings):
    book["mine"].phones.all().delete()
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="birthday:nophone", channel="sms")
    assert (message.status, message.reason) == (MessageStatus.SUPPRESSED, "no_recipient")
    assert api.now() == MORNING


def test_an_email_goes_through_djangos_mail_backend(book, mailoutbox):
    customer = book["mine"]
    customer.email = "li.wei@example.com"
    customer.save()
    message = queue_message(customer, "birthday_greeting", {}, dedupe_key="birthday:mail", channel="email")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (mail,) = mailoutbox
    assert (mail.to, mail.subject, mail.body) == (["li.wei@example.com"], message.subject, message.body)
    assert message.subject == "Happy birthday"


def test_a_phone_the_gateway_cannot_reach_fails_with_the_reason(stores, settings):
    landline = CustomerFactory(name="Sun Li", home_store=stores[0], phone="02161234567")
    message = queue_message(landline, "birthday_greeting", {}, dedupe_key="birthday:landline")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.reason == "02161234567 is not a mainland mobile number; SMS cannot reach it."
    assert sms_files(settings) == []
