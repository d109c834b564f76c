"""A customer's consent to each channel: recorded with when, by whom and through what; the newest
change per channel is in force, and no change means allowed."""

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from engine import api
from portal.crm.identifiers import phone_hash, phone_normalize
from portal.crm.models import Customer, CustomerPhone

from .models import Channel, ConsentChange, ConsentVia

log = logging.getLogger(__name__)

# An SMS reply that means "send me nothing more" (compared without spaces, case-insensitively):
# the Chinese carriers' conventional 退订 / TD, and the usual short forms.
OPT_OUT_WORDS = {"td", "t", "n", "退订", "退", "取消", "stop", "unsubscribe", "退订短信"}


def consent_allows(customer: Customer, channel: str) -> bool:
    newest = (
        ConsentChange.objects.filter(customer=customer, channel=channel).order_by("-at", "-id").only("allowed").first()
    )
    return True if newest is None else newest.allowed


def consent_of(customer: Customer) -> dict[str, ConsentChange | None]:
    """The change in force per channel (None: never changed, allowed), in one query."""
    found: dict[str, ConsentChange | None] = dict.fromkeys(Channel.values)
    for change in ConsentChange.objects.filter(customer=customer).select_related("by").order_by("-at", "-id"):
        if found[change.channel] is None:
            found[change.channel] = change
    return found


@transaction.atomic
def consent_set(
    *, customer: Customer, channel: str, allowed: bool, via: str, by: Any = None, note: str = ""
) -> ConsentChange:
    if channel not in Channel.values:
        raise ValueError(_("“%(channel)s” is not a channel.") % {"channel": channel})
    if via not in ConsentVia.values:
        raise ValueError(f"unknown consent source {via!r}")
    return ConsentChange.objects.create(
        customer=customer,
        channel=channel,
        allowed=allowed,
        at=api.now(),
        by=by if getattr(by, "pk", None) else None,
        via=via,
        note=note[:200],
    )


def customer_of_phone(raw: str) -> Customer | None:
    """The customer whose phone this is, found by the keyed hash (never by the stored number)."""
    try:
        normalized = phone_normalize(raw)
    except Exception:  # noqa: BLE001 - not a phone number: nobody
        return None
    phone = CustomerPhone.objects.filter(number_hash=phone_hash(normalized)).select_related("customer").first()
    return phone.customer if phone else None


def is_opt_out(text: str) -> bool:
    return "".join(text.split()).lower() in OPT_OUT_WORDS


def sms_reply_received(*, phone: str, text: str) -> ConsentChange | None:
    """An SMS the gateway received. An opt-out word from a known number opts its customer out of
    SMS; anything else, or an unknown number, changes nothing (logged without the text)."""
    if not is_opt_out(text):
        return None
    customer = customer_of_phone(phone)
    if customer is None:
        log.info("opt-out reply from an unknown number ignored (…%s)", phone[-4:])
        return None
    return consent_set(
        customer=customer, channel=Channel.SMS, allowed=False, via=ConsentVia.SMS_REPLY, note=text.strip()[:200]
    )
