"""Notices to staff about their customers, in each reader's language (a message id and its values)."""

from typing import Any

from django.utils.translation import gettext_noop

from engine import api
from portal.ui.people import display_name

from ..automation.texts import english, text
from ..models import Customer


def new_owner_notice(customer: Customer, *, by: Any) -> None:
    """Tell the new owner a manager gave them this customer (nothing when they took it themselves)."""
    owner = customer.owner
    if owner is None or owner == by:
        return
    title = text(
        gettext_noop("%(manager)s gave you the customer %(customer)s"),
        manager=display_name(by),
        customer=customer.name,
    )
    api.create_item(
        kind="notice",
        title=english(title),
        texts={"title": title},
        assignee=owner,
        store_id=customer.home_store_id,
        subject_label=customer.name,
        subject_ref=f"customer:{customer.pk}",
        actor=by,
    )
