"""Queue a message to a customer: the one door every sender (rules, processes, bookings, surveys)
goes through.

``queue_message`` renders the template in the customer's language, keeps only the values the
template names, checks consent, quiet hours and the daily cap, and records a ``Message``; a
worker sends it once the caller's transaction commits (``workers.tasks.send_message``). The
``dedupe_key`` is unique: queuing the same message again returns None and sends nothing more.
"""

import logging
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from engine import api
from portal.celery import app
from portal.crm.models import Customer

from . import placeholders
from .conf import care_settings
from .consent import consent_allows
from .models import Channel, Message, MessageStatus, MessageTemplate, Preference

log = logging.getLogger(__name__)

# Why a message was not sent (Message.reason); shown through reasons.REASONS in the reader's language.
OPTED_OUT = "opted_out"
NO_RECIPIENT = "no_recipient"
DAILY_CAP = "daily_cap"
NO_TEMPLATE = "no_template"


class UnknownMessageKind(ValueError):
    pass


def customer_language(customer: Customer) -> str:
    pref = Preference.objects.filter(customer=customer).only("language").first()
    return (pref.language if pref else "") or settings.LANGUAGE_CODE


def _channel(customer: Customer, asked: str | None, preference: Preference | None, phone: str) -> str:
    if asked:
        if asked not in Channel.values:
            raise ValueError(f"unknown channel {asked!r}; one of {', '.join(Channel.values)}")
        return asked
    if preference and preference.channel:
        return preference.channel
    return Channel.SMS if phone or not customer.email else Channel.EMAIL


def primary_phone(customer: Customer) -> str:
    """The customer's primary phone, read through the model (the column may be encrypted)."""
    phone = customer.phones.order_by("-primary", "id").first()
    return phone.number if phone else ""


def recipient_of(customer: Customer, channel: str) -> str:
    """The customer's primary phone or e-mail, read through the model (the columns may be encrypted)."""
    return primary_phone(customer) if channel == Channel.SMS else customer.email or ""


def template_for(key: str, language: str) -> MessageTemplate | None:
    """The template in ``language``, else in the group's language, else in any."""
    found = {t.language: t for t in MessageTemplate.objects.filter(key=key)}
    return found.get(language) or found.get(settings.LANGUAGE_CODE) or next(iter(found.values()), None)


def quiet_until(at: datetime) -> datetime | None:
    """When the quiet hours around ``at`` end, or None outside them (settings QUIET_HOURS, local time)."""
    start, end = (time.fromisoformat(t) for t in care_settings()["QUIET_HOURS"])
    local = timezone.localtime(at)
    now = local.time()
    quiet = (start <= now or now < end) if start > end else (start <= now < end)
    if start == end or not quiet:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end))


def _over_daily_cap(customer: Customer, at: datetime) -> bool:
    cap = int(care_settings()["DAILY_CAP"])
    day_start = timezone.make_aware(datetime.combine(timezone.localtime(at).date(), time.min))
    sent_today = Message.objects.filter(
        customer=customer,
        created_at__gte=day_start,
        status__in=[MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED],
    ).count()
    return sent_today >= cap


def hand_to_worker(message_id: int, eta: datetime | None = None) -> None:
    """Queue the send by name (the web process never imports the workers). A broker that is down
    loses nothing: the care sweep hands over queued messages again."""
    try:
        app.send_task("workers.tasks.send_message", args=[message_id], eta=eta)
    except Exception as err:  # noqa: BLE001 - a broker that is down must not fail the caller
        log.warning("message %s not handed to a worker: %s", message_id, err)


def queue_message(
    customer: Customer,
    template_key: str,
    context: dict[str, Any],
    *,
    dedupe_key: str,
    channel: str | None = None,
) -> Message | None:
    """Record a message to ``customer`` and send it after the caller's transaction commits.

    Returns the Message (queued, or suppressed with its reason), or None when a message with this
    ``dedupe_key`` exists already. ``context`` may hold more than the template names; only the
    named placeholders' values are kept (``customer_name`` and ``store_name`` are filled in when
    missing).
    """
    kind = placeholders.KINDS.get(template_key)
    if kind is None:
        raise UnknownMessageKind(f"{template_key!r} is not a kind of message; one of {', '.join(placeholders.KINDS)}")
    if len(dedupe_key) > 200 or not dedupe_key:
        raise ValueError("dedupe_key must be 1 to 200 characters")
    now = api.now()
    with transaction.atomic():
        if Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        # The customer's row lock serializes two messages queued at once, so the daily cap holds.
        customer = Customer.objects.select_for_update().select_related("home_store").get(pk=customer.pk)
        preference = Preference.objects.filter(customer=customer).first()
        language = (preference.language if preference else "") or settings.LANGUAGE_CODE
        phone = primary_phone(customer)
        chosen = _channel(customer, channel, preference, phone)
        message = Message(
            customer=customer,
            template_key=template_key,
            channel=chosen,
            language=language,
            dedupe_key=dedupe_key,
            created_at=now,
            recipient=phone if chosen == Channel.SMS else customer.email or "",
        )
        template = template_for(template_key, language)
        if template is not None:
            values = {"customer_name": customer.name, "store_name": customer.home_store.name, **context}
            named = set(placeholders.placeholders_in(template.subject + template.body))
            message.params = {name: str(values.get(name, "")) for name in kind.placeholders if name in named}
            message.language = template.language
            message.subject = placeholders.render(template.subject, message.params) if chosen == Channel.EMAIL else ""
            message.body = placeholders.render(template.body, message.params)
        reason = _why_not(customer, message, template, now)
        if reason:
            message.status, message.reason = MessageStatus.SUPPRESSED, reason
        else:
            message.not_before = quiet_until(now)
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:  # queued by another process since the check above
            return None
    if message.status == MessageStatus.QUEUED:
        transaction.on_commit(lambda: hand_to_worker(message.pk, message.not_before))
    return message


def _why_not(customer: Customer, message: Message, template: MessageTemplate | None, now: datetime) -> str:
    if not consent_allows(customer, message.channel):
        return OPTED_OUT
    if not message.recipient:
        return NO_RECIPIENT
    if template is None:
        return NO_TEMPLATE
    if _over_daily_cap(customer, now):
        return DAILY_CAP
    return ""
