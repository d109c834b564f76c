"""What the CRM's templates ask about the signed-in person."""

from typing import Any

from django import template

from .. import reads, scopes
from ..aftercare import SERVICE_DAY_ROLES, card_level_label, return_visit_label

register = template.Library()


@register.filter
def holds_role(user: Any, role: str) -> bool:
    """The user holds ``role`` in some store or group-wide (to show the links that role uses)."""
    return scopes.scope_of(user).holds(role)


@register.simple_tag(takes_context=True)
def menu_for(context: template.Context) -> dict[str, bool]:
    """The pages and buttons offered to the signed-in person: only those that answer them.

    One grants query per request: the menu asks first, a page's own buttons reuse the answer.
    """
    request = context.get("request")
    cached = getattr(request, "_lotflow_menu", None)
    if cached is not None:
        return cached
    scope = scopes.scope_of(getattr(request, "user", None))
    menu = {
        "complaints": scope.holds("complaints"),
        "import_leads": scopes.may_import_leads(scope),
        "staff": scopes.may_manage_staff(scope),
        "add_staff": scopes.may_add_staff(scope),
        "buy_in": bool(scopes.buying_stores(scope)),
        "approvals": scopes.may_decide_approvals(scope),
        "service_day": bool(scope.stores(*SERVICE_DAY_ROLES)),
        "rules": scope.holds("admin", "hq"),  # the rule studio (issue 20): admins edit, hq reads
        "studio": scope.holds("admin", "hq", "store_manager"),  # the process studio (portal/studio/access.py)
        # reports: managers and hq read the reports, a salesperson their own scorecard
        "reports": scope.everything or scope.holds("store_manager", "sales"),
        "second_factor": scope.holds("admin"),  # admins' second factor: its reset page (portal/second_factor.py)
    }
    menu["manage"] = any(menu[page] for page in ("import_leads", "staff", "rules", "studio", "second_factor"))
    # Customers, pool and vehicles, and the pages of this person's roles: past seven the bar would wrap on a
    # desk, so the two guided starts (buy in a car, take a complaint call) go under one "Start" menu.
    pages = 3 + sum(menu[page] for page in ("service_day", "buy_in", "approvals", "complaints", "reports", "manage"))
    menu["starts_menu"] = pages > 7 and (menu["buy_in"] or menu["complaints"])
    if request is not None:
        request._lotflow_menu = menu
    return menu


@register.filter
def visit_kind(kind: str) -> str:
    """A return visit's kind as people say it."""
    return return_visit_label(kind)


@register.filter
def card_level(level: str) -> str:
    """A membership card's level as people say it."""
    return card_level_label(level)


@register.filter
def read_described(read: Any) -> str:
    """A PersonalDataRead as people say it: "phones, ID number (customer page)"."""
    return reads.described(read)
