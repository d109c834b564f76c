"""What the CRM's templates ask about the signed-in person."""

from typing import Any

from django import template

from ..aftercare import SERVICE_DAY_ROLES, card_level_label, return_visit_label
from ..scopes import scope_of

register = template.Library()


@register.filter
def holds_role(user: Any, role: str) -> bool:
    """The user holds ``role`` in some store or group-wide (to show the links that role uses)."""
    return scope_of(user).holds(role)


@register.filter
def visit_kind(kind: str) -> str:
    """A return visit's kind as people say it."""
    return return_visit_label(kind)


@register.filter
def card_level(level: str) -> str:
    """A membership card's level as people say it."""
    return card_level_label(level)


class RolesHeld(set[str]):
    """The roles a user holds anywhere, read once for a whole menu; ``service_day`` says whether that page is theirs."""

    service_day = False


@register.filter
def roles_held(user: Any) -> RolesHeld:
    scope = scope_of(user)
    held = RolesHeld(role for role, _ in scope.grants)
    held.service_day = bool(scope.stores(*SERVICE_DAY_ROLES))
    return held
