"""Posted strings to the types the schema declares.

A browser posts text; the engine validates JSON values. Each widget has one
converter here; what cannot be converted becomes an error on that field and
the engine is not called. A blank field is left out of the data, so the
engine's own "this field is required" speaks for required fields.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from .fields import Field, select_posted

MISSING = object()
# The engine refuses a whole submission above 64 KB; one text above that is named here, beside its field.
MAX_TEXT_CHARS = 64 * 1024
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_NUMBER = re.compile(r"[+-]?(\d{1,18}(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Control characters other than tab and newlines: PostgreSQL's jsonb refuses \x00, and none belong in a form.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRUE_WORDS, FALSE_WORDS = {"true", "on", "1"}, {"false", "off", "0", ""}


class ConversionError(ValueError):
    """What was posted is not a value of the field's type; the message says what to enter."""


def convert_fields(fields: list[Field], posted: QueryDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(data for the engine, errors by field path); also keeps what was posted on each field."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for made in fields:
        if made.widget == "readonly":
            continue  # shown from the process, never taken from a post
        if made.widget == "group":
            value, group_errors = convert_fields(made.children, posted)
            errors.update(group_errors)
            # An optional group left blank is left out, so its own required fields do not complain.
            if made.required or any(_was_filled(child) for child in made.children):
                data[made.name] = value
            continue
        try:
            value = _convert_one(made, posted)
        except ConversionError as err:
            errors[made.path] = [str(err)]
            continue
        if value is not MISSING:
            data[made.name] = value
    return data, errors


def _was_filled(made: Field) -> bool:
    if made.widget == "checkbox":
        return made.checked
    return made.raw not in (None, "", [])


def _convert_one(made: Field, posted: QueryDict) -> Any:
    if made.widget == "checkboxes":
        picked = list(dict.fromkeys(posted.getlist(made.path)))  # the same choice twice counts once
        made.raw = picked
        select_posted(made, picked)
        return _choices(made, picked)
    raw = posted.get(made.path, "")
    made.raw = raw
    if made.widget in ("radio", "select"):
        select_posted(made, [raw])
    return CONVERTERS[made.widget](made, raw)


def _text(made: Field, raw: str) -> Any:
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        return MISSING
    if _CONTROL.search(text):
        raise ConversionError(_("contains control characters; type plain text"))
    if len(text) > MAX_TEXT_CHARS:
        raise ConversionError(
            _("is too long: %(count)s characters, at most %(most)s")
            % {"count": f"{len(text):,}", "most": f"{MAX_TEXT_CHARS:,}"}
        )
    return text


def _integer(made: Field, raw: str) -> Any:
    text = raw.strip()
    if not text:
        return MISSING
    if not _INTEGER.fullmatch(text):
        raise ConversionError(_("enter a whole number, such as 42 (not %(text)s)") % {"text": _quote(text)})
    return int(text)


def _number(made: Field, raw: str) -> Any:
    text = raw.strip()
    if not text:
        return MISSING
    if not _NUMBER.fullmatch(text):
        raise ConversionError(_("enter a number, such as 12.5 (not %(text)s)") % {"text": _quote(text)})
    try:
        number = Decimal(text)
    except InvalidOperation as err:
        raise ConversionError(_("enter a number, such as 12.5 (not %(text)s)") % {"text": _quote(text)}) from err
    if number == number.to_integral_value() and not any(c in text for c in ".eE"):
        return int(number)
    value = float(number)
    if value in (float("inf"), float("-inf")):
        raise ConversionError(_("this number is too large"))
    return value


def _checkbox(made: Field, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConversionError(_("tick the box or leave it empty"))


def _date(made: Field, raw: str) -> Any:
    text = raw.strip()
    if not text:
        return MISSING
    if not _DATE.fullmatch(text):
        raise ConversionError(_date_problem(text))
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as err:
        raise ConversionError(_("there is no such date: %(text)s") % {"text": text}) from err


def _date_problem(text: str) -> str:
    return _("enter the date as year-month-day, such as 2026-12-05 (not %(text)s)") % {"text": _quote(text)}


def _moment_problem(text: str) -> str:
    return _("enter the date and time as year-month-day hour:minute, such as 2026-12-05 10:00 (not %(text)s)") % {
        "text": _quote(text)
    }


def _datetime(made: Field, raw: str) -> Any:
    """The ISO text of a date-time; a time without an offset is read in the portal's time zone."""
    text = raw.strip()
    if not text:
        return MISSING
    if not _DATE.fullmatch(text[:10]) or len(text) > 40:
        raise ConversionError(_moment_problem(text))
    try:
        date.fromisoformat(text[:10])
    except ValueError as err:
        raise ConversionError(_("there is no such date: %(text)s") % {"text": text[:10]}) from err
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ConversionError(_moment_problem(text)) from err
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment.isoformat()


def _choice(made: Field, raw: str) -> Any:
    if raw == "":
        return MISSING
    return _choices(made, [raw])[0]


def _choices(made: Field, picked: list[str]) -> Any:
    if not picked:
        return MISSING
    by_key = {option.key: option.value for option in made.options}
    unknown = [key for key in picked if key not in by_key]
    if unknown:
        raise ConversionError(_("%(value)s is not one of the choices") % {"value": _quote(unknown[0])})
    return [by_key[key] for key in picked]


def _quote(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


CONVERTERS: dict[str, Callable[[Field, str], Any]] = {
    "text": _text,
    "textarea": _text,
    "email": _text,
    "integer": _integer,
    "number": _number,
    "checkbox": _checkbox,
    "date": _date,
    "datetime": _datetime,
    "radio": _choice,
    "select": _choice,
}
