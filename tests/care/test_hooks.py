"""The gateway's callbacks: delivery receipts, and replies that opt out ("TD", "退订")."""

import json
import logging

from portal.care.consent import consent_allows
from portal.care.models import ConsentChange, Message, MessageStatus
from portal.care.outbox import queue_message
from workers.tasks import send_message

REPORT = "/care/hooks/hook-secret/sms/report/"
INBOUND = "/care/hooks/hook-secret/sms/inbound/"


def _post(client, url, rows):
    return client.post(url, data=json.dumps(rows, ensure_ascii=False), content_type="application/json")


def test_a_receipt_marks_the_message_delivered(client, book):
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="r:1")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    answer = _post(client, REPORT, [{"biz_id": message.provider_id, "success": True, "err_code": "DELIVERED"}])
    assert answer.json()["code"] == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at is not None


def test_a_failed_receipt_shows_the_carriers_reason(client, book):
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="r:2")
    send_message.apply(args=[message.pk])
    message.refresh_from_db()
    _post(client, REPORT, [{"biz_id": message.provider_id, "success": False, "err_code": "MK:0001", "err_msg": "停机"}])
    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.FAILED, "MK:0001: 停机")


def test_td_from_a_known_number_opts_out(client, stores):
    from tests.crm.factories import CustomerFactory

    customer = CustomerFactory(name="王芳", home_store=stores[0], phone="13711112222")
    answer = _post(client, INBOUND, [{"phone_number": "+86 137 1111 2222", "content": " 退订 "}])
    assert answer.status_code == 200
    assert not consent_allows(customer, "sms")
    change = ConsentChange.objects.get(customer=customer)
    assert (change.via, change.by, change.note) == ("sms_reply", None, "退订")
    message = queue_message(customer, "birthday_greeting", {}, dedupe_key="td:1")
    assert message.status == MessageStatus.SUPPRESSED


def test_td_in_latin_letters_too(client, book):
    phone = book["mine"].phones.first().number
    _post(client, INBOUND, [{"phone_number": phone, "content": "td"}])
    assert not consent_allows(book["mine"], "sms")


def test_a_reply_from_an_unknown_number_is_ignored_and_logged(client, book, caplog):
    with caplog.at_level(logging.INFO, logger="portal.care.consent"):
        answer = _post(client, INBOUND, [{"phone_number": "13000000001", "content": "TD"}])
    assert answer.json()["code"] == 0
    assert ConsentChange.objects.count() == 0
    assert "unknown number" in caplog.text and "13000000001" not in caplog.text


def test_other_replies_change_nothing(client, book):
    phone = book["mine"].phones.first().number
    _post(client, INBOUND, [{"phone_number": phone, "content": "好的，谢谢"}])
    assert ConsentChange.objects.count() == 0


def test_a_wrong_token_is_not_found_and_bad_json_is_refused(client, book, settings):
    assert client.post("/care/hooks/guess/sms/inbound/", data="[]", content_type="application/json").status_code == 404
    settings.LOTFLOW_CARE = {**settings.LOTFLOW_CARE, "HOOK_TOKEN": ""}
    assert client.post("/care/hooks//sms/inbound/", data="[]", content_type="application/json").status_code == 404
    settings.LOTFLOW_CARE = {**settings.LOTFLOW_CARE, "HOOK_TOKEN": "hook-secret"}
    answer = client.post(INBOUND, data="not json", content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == 1
    assert Message.objects.count() == 0
