"""Reads the care pages need, scoped like the customer (portal.crm.scopes)."""

from typing import Any

from django.db.models import QuerySet

from portal.crm.scopes import customers_visible_to, scope_of

from .models import Message


def messages_visible_to(user: Any) -> QuerySet[Message]:
    """A message is seen by whoever sees its customer (its recipient and text are personal data)."""
    return Message.objects.filter(customer__in=customers_visible_to(user))


def may_edit_templates(user: Any) -> bool:
    return scope_of(user).holds("admin")


def may_read_templates(user: Any) -> bool:
    return scope_of(user).holds("admin", "hq")
