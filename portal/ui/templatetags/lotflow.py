"""One format per kind of value, in the active language and the dealer group's time zone.

``{% load lotflow %}`` then:

- ``value|when``: a moment, ``2026年12月2日 周三 09:00`` / ``Wed 2 Dec 2026 09:00``
- ``value|day``: a date (or the local date of a moment), ``2026年12月2日`` / ``2 Dec 2026``
- ``value|due_hint``: how far a moment is from now, ``3小时后`` / ``in 3 hours``, ``已逾期2天`` / ``2 days overdue``
- ``value|yuan``: money, ``¥150,000`` (decimals only when there are fen: ``¥99.50``)
- ``value|number``: a count or amount with thousands grouped, ``1,234,567``

Empty values (None, "") come out as an em dash, so a template needs no ``default`` beside them.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from engine import api
from portal.ui.people import display_name

register = template.Library()

EMPTY = "—"

WEEKDAYS = [
    pgettext_lazy("short weekday", "Mon"),
    pgettext_lazy("short weekday", "Tue"),
    pgettext_lazy("short weekday", "Wed"),
    pgettext_lazy("short weekday", "Thu"),
    pgettext_lazy("short weekday", "Fri"),
    pgettext_lazy("short weekday", "Sat"),
    pgettext_lazy("short weekday", "Sun"),
]


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter(expects_localtime=False)
def when(value: Any) -> str:
    """A moment with its weekday: the form staff read a due time or an appointment in."""
    if not isinstance(value, datetime.datetime):
        return day(value)
    local = _local(value)
    return pgettext("weekday, date and time", "%(weekday)s %(date)s %(time)s") % {
        "weekday": WEEKDAYS[local.weekday()],
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }


@register.filter(expects_localtime=False)
def day(value: Any) -> str:
    if value in (None, ""):
        return EMPTY
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    if not isinstance(value, datetime.date):
        return str(value)
    return formats.date_format(value, "DATE_FORMAT")


@register.filter(expects_localtime=False)
def due_hint(value: Any, now: datetime.datetime | None = None) -> str:
    """How far ``value`` is from now (LotFlow's clock, the one that runs the timers: a frozen clock in a
    test, ``manage.py timers --now``), in the largest whole unit: minutes, hours or days."""
    if not isinstance(value, datetime.datetime):
        return ""
    seconds = (value - (now or api.now())).total_seconds()
    ahead = seconds >= 0
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return pgettext("due", "now")
    if minutes < 60:
        count, unit = minutes, "minutes"
    elif minutes < 24 * 60:
        count, unit = minutes // 60, "hours"
    else:
        count, unit = minutes // (24 * 60), "days"
    if ahead:
        texts = {
            "minutes": ngettext("in %(count)d minute", "in %(count)d minutes", count),
            "hours": ngettext("in %(count)d hour", "in %(count)d hours", count),
            "days": ngettext("in %(count)d day", "in %(count)d days", count),
        }
    else:
        texts = {
            "minutes": ngettext("%(count)d minute overdue", "%(count)d minutes overdue", count),
            "hours": ngettext("%(count)d hour overdue", "%(count)d hours overdue", count),
            "days": ngettext("%(count)d day overdue", "%(count)d days overdue", count),
        }
    return texts[unit] % {"count": count}


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def number(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return EMPTY if value in (None, "") else str(value)
    exponent = amount.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def yuan(value: Any) -> str:
    """Money in yuan, ``¥150,000``; two decimals only when the amount has fen."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY if value in (None, "") else str(value)
    places = 0 if amount == amount.to_integral_value() else 2
    text = formats.number_format(abs(amount), decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"-¥{text}" if amount < 0 else f"¥{text}"


@register.filter
def html_lang(code: str) -> str:
    """A Django language code as an HTML ``lang`` value (BCP 47 casing): ``zh-hans`` to ``zh-Hans``."""
    language, *rest = (code or "").split("-")
    return "-".join([language.lower(), *(part.title() if len(part) == 4 else part.upper() for part in rest)])


@register.filter
def person(user: Any) -> str:
    """A colleague's name as people say it (王建华, Wei Li), or their login when none is recorded."""
    return display_name(user) or EMPTY
