"""The dealer's cost on a work item's page: an appraisal's offer, a car's purchase price and its
reconditioning cost are process values that only those who may see the dealer's cost read
(scopes.can_see_cost: the store's manager and finance, hq, admin). Anyone else who sees the item
(the salesperson it was handed to, the service adviser who reconditions the car) reads neither its
value in the instructions, nor the read-only field, nor the answer in the step's history.
"""

from typing import Any

from engine.api import WorkItem
from portal.crm.scopes import can_see_cost, scope_of

# Process values that are the dealer's cost, by field name, in every process.
COST_VALUES = frozenset({"offered_price", "purchase_price", "cost"})


def hidden_values(item: WorkItem, user: Any) -> frozenset[str]:
    """The names of the item's process values this user may not read (none for whoever may see the cost)."""
    return frozenset() if can_see_cost(scope_of(user), item.store_id) else COST_VALUES
