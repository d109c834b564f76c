"""The inbox counts in the nav bar of every page (base.html), and small display helpers."""

from typing import Any

from django import template

from engine import api

register = template.Library()

PRIORITY_LABELS = {1: "Urgent", 2: "High", 3: "Normal", 4: "Low", 5: "Lowest"}


@register.inclusion_tag("inbox/_nav_counts.html", takes_context=True)
def inbox_nav(context: template.Context, oob: bool = False) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"counts": None, "oob": oob}
    return {"counts": api.counts_for(user), "oob": oob}


@register.filter
def priority_label(priority: int) -> str:
    return PRIORITY_LABELS.get(priority, str(priority))


@register.filter
def role_label(role: str) -> str:
    return role.replace("_", " ")
