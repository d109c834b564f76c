"""The kinds of message LotFlow sends, the placeholders each may name, and how a text is checked
and filled in.

A placeholder is ``{{ name }}``; nothing else in ``{{ }}`` is allowed, and no filter, tag or
attribute: a template can say only what its kind offers (issue 24 item 6: a message carries only
the personal data its template names). The values are plain text, never markup.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Kind:
    label: str | Promise
    placeholders: tuple[str, ...]


KINDS: dict[str, Kind] = {
    "survey_invitation": Kind(gettext_lazy("Survey invitation"), ("customer_name", "store_name", "survey_link")),
    "test_drive_confirmation": Kind(
        gettext_lazy("Test drive confirmation"), ("customer_name", "store_name", "car", "date", "time")
    ),
    "service_booking_confirmation": Kind(
        gettext_lazy("Service booking confirmation"), ("customer_name", "store_name", "car", "date", "time")
    ),
    "order_progress": Kind(
        gettext_lazy("Order progress"), ("customer_name", "store_name", "order_number", "milestone", "date")
    ),
    "birthday_greeting": Kind(gettext_lazy("Birthday greeting"), ("customer_name", "store_name")),
    "maintenance_reminder": Kind(gettext_lazy("Maintenance reminder"), ("customer_name", "store_name", "car", "date")),
    "insurance_renewal": Kind(gettext_lazy("Insurance renewal"), ("customer_name", "store_name", "car", "date")),
}

# Anything between {{ and }}, so that a broken one ({{ name }, {{ 1x }}) is found and named.
_BRACES = re.compile(r"\{\{(.*?)\}\}", re.S)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def placeholders_in(text: str) -> list[str]:
    return [m.group(1).strip() for m in _BRACES.finditer(text)]


def check(key: str, text: str, *, field: str = "body") -> None:
    """Refuse, naming it, a placeholder the kind does not offer or one that is not well formed."""
    kind = KINDS.get(key)
    if kind is None:
        raise ValidationError({"key": _("“%(key)s” is not a kind of message LotFlow sends.") % {"key": key}})
    problems = []
    for name in placeholders_in(text):
        if not _NAME.match(name):
            problems.append(
                _("“{{ %(name)s }}” is not a placeholder: write a name such as {{ customer_name }}.") % {"name": name}
            )
        elif name not in kind.placeholders:
            problems.append(
                _("Unknown placeholder “%(name)s”; this message may use %(known)s.")
                % {"name": name, "known": ", ".join(kind.placeholders)}
            )
    rest = _BRACES.sub("", text)
    if "{{" in rest or "}}" in rest or re.search(r"\{%|%\}", text):
        problems.append(_("A “{{” or “}}” is not closed or not opened; placeholders are written {{ name }}."))
    if problems:
        raise ValidationError({field: problems})


def render(text: str, values: Mapping[str, object]) -> str:
    """The text with each placeholder replaced by its value (checked texts only)."""
    return _BRACES.sub(lambda m: str(values.get(m.group(1).strip(), "")), text)
