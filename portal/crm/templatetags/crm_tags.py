"""What the CRM's templates ask about the signed-in person."""

from typing import Any

from django import template

from ..scopes import scope_of

register = template.Library()


@register.filter
def holds_role(user: Any, role: str) -> bool:
    """The user holds ``role`` in some store or group-wide (to show the links that role uses)."""
    return scope_of(user).holds(role)
