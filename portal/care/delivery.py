"""Sending a queued message (run by ``workers.tasks.send_message``) and what providers report back.

A message is claimed with a conditional UPDATE (queued → sending): two workers handed the same
message (a redelivered task, the sweep's hand-over) cannot both send it. A worker that dies while
sending leaves it ``sending``; the sweep marks such a message failed ("interrupted") instead of
sending it again, so a customer never gets a message twice.
"""

import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F

from engine import api

from . import sms
from .conf import care_settings
from .consent import consent_allows
from .models import Channel, Message, MessageStatus
from .outbox import OPTED_OUT, hand_to_worker

INTERRUPTED = "interrupted"


class TryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"try again in {seconds:.0f} s")
        self.seconds = max(1.0, seconds)


def _backoff(attempts: int) -> float:
    return float(care_settings()["BACKOFF_SECONDS"]) * 2 ** max(0, attempts - 1)


def _send(message: Message) -> str:
    if message.channel == Channel.SMS:
        return sms.backend().send(
            to=message.recipient, text=message.body, template_key=message.template_key, params=message.params
        )
    email = EmailMessage(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as err:
        raise sms.Rejected(f"refused address: {err}") from err
    except (smtplib.SMTPException, OSError) as err:
        raise sms.Unavailable(str(err)) from err
    return ""


def message_deliver(*, message_id: int) -> str:
    """Send one message if it is still queued and due; return its status afterwards.

    Raises TryLater when it should be tried again (quiet hours not over, the provider unavailable
    and attempts left). The last failed attempt marks it failed with the provider's reason.
    """
    now = api.now()
    message = Message.objects.select_related("customer").filter(pk=message_id).first()
    if message is None or message.status != MessageStatus.QUEUED:
        return message.status if message else "missing"
    if message.not_before and message.not_before > now:
        raise TryLater((message.not_before - now).total_seconds())
    if not consent_allows(message.customer, message.channel):  # opted out since it was queued
        Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SUPPRESSED, reason=OPTED_OUT
        )
        return MessageStatus.SUPPRESSED
    claimed = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:  # another worker has it
        return MessageStatus.SENDING
    attempts = message.attempts + 1
    try:
        provider_id = _send(message)
    except sms.Rejected as err:
        _finish(message.pk, status=MessageStatus.FAILED, reason=err.reason)
        return MessageStatus.FAILED
    except sms.Unavailable as err:
        if attempts >= int(care_settings()["MAX_ATTEMPTS"]):
            _finish(message.pk, status=MessageStatus.FAILED, reason=err.reason)
            return MessageStatus.FAILED
        _finish(message.pk, status=MessageStatus.QUEUED, reason=err.reason)
        raise TryLater(_backoff(attempts)) from err
    _finish(message.pk, status=MessageStatus.SENT, reason="", provider_id=provider_id, sent_at=api.now())
    return MessageStatus.SENT


def _finish(message_id: int, **fields: object) -> None:
    fields["reason"] = str(fields.get("reason", ""))[:300]
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(**fields)


def receipt_record(*, provider_id: str, delivered: bool, at: datetime | None = None, error: str = "") -> bool:
    """A provider's delivery receipt: the sent message becomes delivered, or failed with its error."""
    if not provider_id:
        return False
    rows = Message.objects.filter(provider_id=provider_id, status__in=[MessageStatus.SENT, MessageStatus.DELIVERED])
    if delivered:
        return bool(rows.update(status=MessageStatus.DELIVERED, delivered_at=at or api.now()))
    return bool(rows.update(status=MessageStatus.FAILED, reason=(error or "not delivered")[:300]))


def messages_hand_over(*, now: datetime | None = None, stale_minutes: int = 15) -> dict[str, int]:
    """The sweep's part: queued messages that are due and were not sent within ``stale_minutes``
    (their task was lost) are handed to a worker again; ones left ``sending`` that long are marked
    failed as interrupted, not resent."""
    at = now or api.now()
    cutoff = at - timedelta(minutes=stale_minutes)
    interrupted = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=cutoff).update(
        status=MessageStatus.FAILED, reason=INTERRUPTED
    )
    due = list(
        Message.objects.filter(status=MessageStatus.QUEUED, created_at__lt=cutoff)
        .exclude(not_before__gt=at)
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        hand_to_worker(pk)
    return {"handed over again": len(due), "interrupted": interrupted}
