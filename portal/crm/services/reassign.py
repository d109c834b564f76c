"""Bulk reassignment: a store manager (or hq) gives several customers to one salesperson at once.

Each customer goes through ``customer_assign`` in its own transaction: one that cannot
move (out of the manager's stores, owned by someone else since the list was read, the
salesperson not of its store) is reported with its reason and the others still move.
Each moved customer's new owner gets a notice in their inbox (``customer_assign`` sends it).
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import NotPermitted, NotVisible
from ..models import Customer
from ..scopes import customers_visible_to
from .customers import customer_assign


class Stale(Exception):
    """The customer's owner is not the one the manager saw."""


@dataclass
class Reassigned:
    moved: list[Customer] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (customer id, name, why)


def customers_reassign(*, by: Any, owner: Any, seen: dict[int, int | None]) -> Reassigned:
    """Give the customers of ``seen`` to ``owner``.

    ``seen`` maps each customer id to the owner id the manager saw on the list (None: the pool);
    a customer whose owner changed since is stale and left as it is.
    """
    report = Reassigned()
    names = dict(customers_visible_to(by).filter(pk__in=list(seen)).values_list("pk", "name"))
    for customer_id, owner_seen in seen.items():
        name = names.get(customer_id)
        if name is None:
            report.refused.append((customer_id, f"#{customer_id}", _("not one of the customers you may see")))
            continue
        try:
            with transaction.atomic():  # one customer, one transaction: the row stays locked from check to move
                current = Customer.objects.select_for_update().filter(pk=customer_id).values_list("owner_id", flat=True)
                if current.first() != owner_seen:
                    raise Stale
                report.moved.append(customer_assign(customer_id=customer_id, by=by, owner=owner))
        except Stale:
            report.refused.append((customer_id, name, _("its owner changed since you opened the list; not moved")))
        except ValidationError as err:
            report.refused.append((customer_id, name, " ".join(err.messages)))
        except (NotPermitted, NotVisible) as err:
            report.refused.append((customer_id, name, str(err)))
    return report
