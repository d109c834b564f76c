"""The message log is personal data (who was written to, what was said): sealed in its table like the customer's
own fields, and moved to a new data key by the rotation with the rest."""

from django.db import connection

from portal.care.models import Message
from portal.care.outbox import queue_message
from portal.crm.services.data_keys import data_key_left, data_key_rotate

NEW_KEY = "m2:" + "a-new-data-key-for-the-message-log-test-0123456789"


def _raw_row(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, subject, body, params FROM care_message WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_the_log_holds_no_recipient_or_text_in_clear_and_reads_back(book):
    customer = book["mine"]
    message = queue_message(customer, "birthday_greeting", {}, dedupe_key="birthday:sealed")
    assert message is not None and message.recipient and customer.name in message.body
    raw = _raw_row(message.pk)
    assert message.recipient not in raw and customer.name not in raw
    again = Message.objects.get(pk=message.pk)
    assert (again.recipient, again.body, again.params) == (message.recipient, message.body, message.params)


def test_a_rotation_moves_the_log_to_the_new_key(book, settings):
    message = queue_message(book["mine"], "birthday_greeting", {}, dedupe_key="birthday:rotated")
    before = _raw_row(message.pk)
    old = settings.LOTFLOW_DATA_KEYS
    settings.LOTFLOW_DATA_KEYS = f"{NEW_KEY},{old}"
    assert data_key_left() > 0
    report = data_key_rotate()
    assert report.done and report.rewritten.get("message") == 1
    settings.LOTFLOW_DATA_KEYS = NEW_KEY  # the old key dropped: the log still reads
    after = Message.objects.get(pk=message.pk)
    assert after.body == message.body and after.recipient == message.recipient
    assert _raw_row(message.pk) != before and "lf1:m2:" in _raw_row(message.pk)
