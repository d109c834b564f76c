"""Fact kinds and actions the CRM offers rule files (engine.rules.catalog).

Imported at start-up through settings.LOTFLOW["REGISTRY_MODULES"].
"""

from engine.api import Param, register_action, register_fact_builder, register_fact_type

# --- pool_reclaim ---------------------------------------------------------
register_fact_type(
    "prospect",
    {
        "stage": "text",  # prospect / customer
        "owner": "text",  # the owner's username; none in the pool
        "intent_level": "text",  # high / medium / low
        "source": "text",  # website, walk_in, referral, ...
        "tags": "list",
        "days_without_contact": "whole",  # since the last recorded communication (or intake)
        "store": "text",  # the home store's name
        "region": "text",
    },
    "A prospect owned by a salesperson, as the reclaim sweep sees it.",
)
register_action(
    "return_to_pool",
    {"reason": Param("text", shown=True)},
    "The prospect goes back to its store's pool; the owner loses it.",
    ("prospect",),
)
register_action(
    "warn_owner",
    {"days_left": Param("whole")},
    "The owner gets a warning work item: contact the prospect or lose it.",
    ("prospect",),
)
register_action(
    "keep",
    {"reason": Param("text", required=False, shown=True)},
    "Nothing happens: the prospect stays with its owner.",
    ("prospect",),
)

# --- lead_routing -----------------------------------------------------------
register_fact_type(
    "lead",
    {
        "source": "text",
        "sub_channel": "text",
        "region": "text",  # the region the lead asked for or came from
        "store": "text",  # a store the lead named, if any
        "vehicle_type": "text",
        "budget_min": "number",
        "budget_max": "number",
        "intent_level": "text",
    },
    "A new lead, before it has a store.",
)
register_action(
    "route_to",
    {
        "store": Param("text", description="the store's name"),
        "assign": Param("text", required=False, description="pool (default), round_robin or fewest_open"),
    },
    "Send the lead to a store's pool, or to one of its salespeople.",
    ("lead",),
)
register_action(
    "route_to_asked",
    {
        "assign": Param("text", required=False, description="pool (default), round_robin or fewest_open"),
    },
    "Send the lead to the store it asked for.",
    ("lead",),
)

# --- lead_scoring ------------------------------------------------------------
register_fact_type(
    "prospect_score",
    {
        "source": "text",
        "intent_level": "text",
        "budget_max": "number",
        "vehicle_type": "text",
        "days_to_purchase": "whole",  # until the expected purchase date
        "contacts_last_30_days": "whole",
        "visits_booked": "whole",
        "tags": "list",
    },
    "What a prospect's score is computed from.",
)
register_action(
    "add_score",
    {"points": Param("whole"), "reason": Param("text", shown=True)},
    "Add points to the prospect's score (negative points subtract).",
    ("prospect_score",),
)

# --- inventory_thresholds ------------------------------------------------------
register_fact_type(
    "stock",
    {
        "level": "text",  # brand, model or vehicle_type: what this count groups by
        "store": "text",
        "region": "text",
        "brand": "text",
        "model": "text",
        "vehicle_type": "text",
        "in_stock": "whole",
    },
    "How many vehicles a store has in stock of one brand, model or vehicle type.",
)
register_action(
    "stock_short",
    {"minimum": Param("whole")},
    "Alert the store manager, and draft a transfer from the store with the largest surplus "
    "(or an acquisition request when no store has one).",
    ("stock",),
)
register_action("stock_over", {"maximum": Param("whole")}, "Alert the store manager: too many in stock.", ("stock",))

# --- reminders -------------------------------------------------------------------
register_fact_type(
    "due",
    {
        "kind": "text",  # follow_up, test_drive, maintenance, insurance_compulsory, insurance_commercial, birthday
        "days_until": "whole",  # 0 today, negative overdue
        "store": "text",
    },
    "Something coming due for a customer or a car.",
)
register_action(
    "remind",
    {
        "to": Param("text", description="owner (the customer's salesperson) or a role code such as service"),
        "priority": Param("whole", required=False),
    },
    "One reminder work item for the right person or role in the store.",
    ("due",),
)

# The sweeps' completion handlers register with the engine when their modules load,
# and each kind of fact says how to read it from a real record for a dry run.
from . import reclaim, reminders, routing, scoring, signals, thresholds  # noqa: E402, F401

register_fact_builder("prospect", reclaim.facts_of_customer)
register_fact_builder("prospect_score", scoring.facts_of_customer)
register_fact_builder("lead", routing.facts_of_lead)
register_fact_builder("stock", thresholds.facts_of_store)
