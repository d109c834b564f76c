"""The studio's sub-navigation: which of its pages the signed-in person may use."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.crm.scopes import scope_of

from .. import access

register = template.Library()


@register.simple_tag(takes_context=True)
def studio_access(context: template.Context) -> dict[str, bool]:
    request = context.get("request")
    scope = getattr(request, "studio_scope", None) or scope_of(getattr(request, "user", None))
    return {
        "processes": access.may_view_processes(scope),
        # admins act on incidents, hq and store managers read them (a manager, their stores' only)
        "incidents": access.may_view_processes(scope),
        "migrate": access.may_read_rules(scope),  # admins move instances, hq reads the dry runs
        "rules": access.may_read_rules(scope),
        "edit": access.may_edit(scope),
    }


@register.simple_tag
def item_diagram_config(item: Any) -> dict[str, Any]:
    """How the task page's diagram loads: from the studio's item diagram answer, once opened."""
    return {
        "url": reverse("studio:item_diagram", args=[item.pk]),
        "failed": _("The diagram cannot be shown."),
    }
