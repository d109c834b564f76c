"""Process values as people read them in a step's instructions: a choice by its label, a moment
and a date in the group's formats, never the stored code (``suv``) or ISO stamp.

A step whose file carries translations keeps the values its instructions use (engine
``texts``); the page fills the instructions again from those, each value shown by the
label the process's forms give it in the reader's language, or the CRM's label for the
same field.
"""

import re
import threading
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

from engine import api
from engine.api import Deployment, WorkItem
from portal.crm.aftercare import return_visit_label
from portal.crm.models.choices import (
    AppointmentKind,
    ContactChannel,
    IntentLevel,
    PaymentPlan,
    Severity,
    Source,
    Use,
    VehicleType,
)
from portal.ui.templatetags.lotflow import day, number, when, yuan

# The CRM's choices under the field names processes give them.
CRM_CHOICES: dict[str, Any] = {
    "vehicle_type": VehicleType,
    "source": Source,
    "use": Use,
    "intent_level": IntentLevel,
    "payment_plan": PaymentPlan,
    "severity": Severity,
    "channel": ContactChannel,
    "method": ContactChannel,
    "appointment_kind": AppointmentKind,
}
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The engine's ``{{ name.key }}`` placeholders, with an optional ``|number`` or ``|yuan``
# format (docs/bpmn-vocabulary.md).
_PLACEHOLDER = re.compile(
    r"\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(?:\|\s*([A-Za-z][A-Za-z0-9_]*)\s*)?\}\}"
)
_FORMATS = {"number": number, "yuan": yuan}
NOT_SHOWN = pgettext_lazy("a value someone may not see", "(not shown)")

_labels: dict[tuple[int, str], dict[str, dict[str, str]]] = {}
_titles: dict[tuple[int, str], dict[str, str]] = {}
_lock = threading.Lock()


def shown(path: str, value: str, labels: dict[str, dict[str, str]]) -> str:
    """One stored value as the reader sees it."""
    name = path.rsplit(".", 1)[-1]
    if value in labels.get(name, {}):
        return labels[name][value]
    if name == "visit_kind":  # the return_visit process's note of its plan ("3 days after delivery")
        return return_visit_label(f"after_delivery: {value}")
    choices = CRM_CHOICES.get(name)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if _MOMENT.match(value):
        try:
            return when(api.parse_aware(value))
        except (TypeError, ValueError):
            return value
    if _DATE.match(value):
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            return value
    return value


# Process values that are amounts of money, by field name: shown ``¥148,000`` (``price``, ``offered_price``,
# ``deposit``, ``budget_max``, ...).
_MONEY = re.compile(r"(^|_)(price|deposit|compensation|cost|amount|budget|budget_max|budget_min|balance|value)$")
# Counts people read grouped by thousands (``86,000`` km).
_COUNTS = re.compile(r"(^|_)(mileage)$")


def value_shown(name: str, value: Any, labels: dict[str, dict[str, str]]) -> str:
    """Any process value (a step's answer, a value the form shows read-only) as the reader sees it: a choice
    by its label, an amount as money, yes or no, a moment in local time."""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, int | float | Decimal):
        if _MONEY.search(name):
            return yuan(value)
        return number(value) if _COUNTS.search(name) else str(value)
    if isinstance(value, str):
        return shown(name, value, labels)
    return str(value)


def form_labels(deployment_id: int, language: str) -> dict[str, dict[str, str]]:
    """field name -> value -> label, from every form the deployment ships, in ``language``."""
    key = (deployment_id, language)
    found = _labels.get(key)
    if found is not None:
        return found
    forms = Deployment.objects.filter(pk=deployment_id).values_list("forms", flat=True).first() or {}
    labels: dict[str, dict[str, str]] = {}
    for schema in forms.values():
        if isinstance(schema, dict):
            _collect(schema, language, labels)
    with _lock:
        if len(_labels) > 1024:
            _labels.clear()
        return _labels.setdefault(key, labels)


def _collect(schema: dict, language: str, labels: dict[str, dict[str, str]]) -> None:
    table = {str(k).lower(): v for k, v in (schema.get("translations") or {}).items()}
    texts = table.get(language) or table.get(language.split("-")[0]) or {}
    fields = texts.get("fields") or {} if isinstance(texts, dict) else {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        target = prop["items"] if isinstance(prop.get("items"), dict) else prop
        found = labels.setdefault(name, {})
        for value in target.get("enum") or []:
            found.setdefault(str(value), str(value))
        for keyword in ("oneOf", "anyOf"):
            for option in target.get(keyword) or []:
                if isinstance(option, dict) and "const" in option:
                    found[str(option["const"])] = str(option.get("title") or option["const"])
        translated = (fields.get(name) or {}).get("choices") if isinstance(fields.get(name), dict) else None
        if isinstance(translated, dict):
            found.update({str(k): str(v) for k, v in translated.items()})
        if not found:
            del labels[name]
        elif all(k == v for k, v in found.items()):
            # Only codes, no labels: leave the name to the CRM's choices.
            del labels[name]


def field_titles(deployment_id: int, language: str) -> dict[str, str]:
    """field name -> its title in ``language`` (the form's translation, else its drawn title), from every form
    the deployment ships: how a step's answers are named in its history."""
    key = (deployment_id, "titles:" + language)
    found = _titles.get(key)
    if found is not None:
        return found
    forms = Deployment.objects.filter(pk=deployment_id).values_list("forms", flat=True).first() or {}
    titles: dict[str, str] = {}
    for schema in forms.values():
        if not isinstance(schema, dict):
            continue
        table = {str(k).lower(): v for k, v in (schema.get("translations") or {}).items()}
        texts = table.get(language) or table.get(language.split("-")[0]) or {}
        fields = texts.get("fields") or {} if isinstance(texts, dict) else {}
        for name, prop in (schema.get("properties") or {}).items():
            translated = fields.get(name) if isinstance(fields.get(name), dict) else {}
            title = (translated or {}).get("title") or (prop.get("title") if isinstance(prop, dict) else None)
            if title:
                titles.setdefault(name, str(title))
    with _lock:
        if len(_titles) > 1024:
            _titles.clear()
        return _titles.setdefault(key, titles)


def instructions_shown(item: WorkItem, hidden: frozenset[str] = frozenset()) -> str:
    """The item's instructions (already in the reader's language) with values shown as labels; a value
    named in ``hidden`` (the dealer's cost, for who may not see it) reads "not shown"."""
    texts = item.texts or {}
    if "deployment" not in texts or not item.element_id or not isinstance(texts.get("values"), dict):
        return item.instructions
    language = (get_language() or "en").lower()
    template = api.deployment_texts(texts["deployment"]).text(item.element_id, "instructions", language, "")
    if not template:
        template = api.deployment_texts(texts["deployment"]).drawn.get(item.element_id, {}).get("instructions", "")
    if not template:
        return item.instructions
    labels = form_labels(texts["deployment"], language)
    raw = {path: str(value) for path, value in texts["values"].items()}
    values = {path: shown(path, value, labels) for path, value in raw.items()}

    def fill(match: re.Match[str]) -> str:
        if match.group(1).rsplit(".", 1)[-1] in hidden:
            return str(NOT_SHOWN)
        how = _FORMATS.get(match.group(2) or "")
        value = raw.get(match.group(1), "")
        # A value reads as the text it is, never as Markdown (a name typed as a link stays text).
        return api.as_markdown_text(how(value) if how is not None and value != "" else values.get(match.group(1), ""))

    return _PLACEHOLDER.sub(fill, template)
