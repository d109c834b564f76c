"""The inbox counts in the nav bar of every page (base.html), and small display helpers."""

from typing import Any

from django import template
from django.utils.translation import pgettext_lazy

from engine import api

register = template.Library()

PRIORITY_LABELS = {
    1: pgettext_lazy("priority", "Urgent"),
    2: pgettext_lazy("priority", "High"),
    3: pgettext_lazy("priority", "Normal"),
    4: pgettext_lazy("priority", "Low"),
    5: pgettext_lazy("priority", "Lowest"),
}
# Role codes as people read them; the lanes of a BPMN file name these codes.
ROLE_LABELS = {
    "sales": pgettext_lazy("role", "sales"),
    "store_manager": pgettext_lazy("role", "store manager"),
    "hq": pgettext_lazy("role", "headquarters"),
    "finance": pgettext_lazy("role", "finance"),
    "service": pgettext_lazy("role", "after-sales service"),
    "complaints": pgettext_lazy("role", "complaints"),
    "admin": pgettext_lazy("role", "administrator"),
}


@register.inclusion_tag("inbox/_nav_counts.html", takes_context=True)
def inbox_nav(context: template.Context, oob: bool = False) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"counts": None, "oob": oob}
    return {"counts": api.counts_for(user), "oob": oob}


@register.simple_tag
def inbox_query(page: Any, **extra: str) -> str:
    """The inbox's filter as a query string with ``extra`` parameters (a sort, a process, a page's cursor)."""
    return page.filters.query(**{"sort": page.sort, **{k: str(v) for k, v in extra.items()}})


@register.filter
def priority_label(priority: int) -> str:
    return str(PRIORITY_LABELS.get(priority, priority))


@register.filter
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role.replace("_", " ")))
