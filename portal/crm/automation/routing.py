"""Lead routing: the ``lead_routing`` rules pick a store, then the pool or a salesperson.

Round robin takes the store's active salespeople in username order, after the
one who got the store's last routed lead; fewest open takes the one who owns
the fewest prospects. Either skips inactive staff and those at the cap
(``max_prospects_per_salesperson`` in pool_reclaim), and says so in the reasons.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from engine import api

from ..models import Customer, LeadIntake, Role, Store
from ..models.choices import Stage
from .rules import constants

ASSIGNMENTS = ("pool", "round_robin", "fewest_open")


@dataclass
class Routing:
    store: Store
    owner: Any = None
    reasons: list[str] = field(default_factory=list)


def lead_fact(lead: LeadIntake) -> dict[str, Any]:
    customer, received = lead.customer, lead.received or {}
    return {
        "id": lead.pk,
        "source": lead.source,
        "sub_channel": customer.sub_channel or None,
        "region": received.get("region") or None,
        "store": received.get("store") or None,
        "vehicle_type": customer.vehicle_type or None,
        "budget_min": customer.budget_min,
        "budget_max": customer.budget_max,
        "intent_level": customer.intent_level or None,
    }


def facts_of_lead(reference: str) -> list[dict[str, Any]]:
    """For `rules dryrun lead_routing --of LEAD_INTAKE_ID`."""
    lead = (
        LeadIntake.objects.select_related("customer").filter(pk=int(reference)).first() if reference.isdigit() else None
    )
    return [lead_fact(lead)] if lead else []


def route(fact: dict[str, Any], default_store: Store) -> Routing:
    """Where the rules send this lead, with the reasons (nothing is changed here)."""
    decisions = api.evaluate_rules("lead_routing", [fact])
    if not decisions:
        return Routing(default_store, reasons=["no routing rule matched: the default store's pool"])
    decision = decisions[0]
    why = f"rule {decision.rule}" + (f" ({decision.about})" if decision.about else "")
    wanted = fact.get("store") if decision.action == "route_to_asked" else decision.params.get("store")
    store = Store.objects.filter(name=wanted).first()
    if store is None:
        return Routing(default_store, reasons=[why, f"store {wanted!r} does not exist: the default store's pool"])
    assign = decision.params.get("assign") or "pool"
    if assign not in ASSIGNMENTS:
        return Routing(store, reasons=[why, f"unknown assignment {assign!r}: the pool of {store.name}"])
    if assign == "pool":
        return Routing(store, reasons=[why, f"the pool of {store.name}"])
    return _pick_salesperson(store, assign, [why])


def _pick_salesperson(store: Store, assign: str, reasons: list[str]) -> Routing:
    cap = int(constants("pool_reclaim")["max_prospects_per_salesperson"])
    people = (
        get_user_model()
        .objects.filter(staff__store=store, staff__roles__role=Role.SALES)
        .annotate(open=Count("owned_customers", filter=Q(owned_customers__stage=Stage.PROSPECT)))
        .order_by("username")
        .values("pk", "username", "staff__active", "open")
    )
    eligible = []
    for person in people:
        if not person["staff__active"]:
            reasons.append(f"skipped {person['username']}: inactive")
        elif person["open"] >= cap:
            reasons.append(f"skipped {person['username']}: owns {person['open']} prospects (cap {cap})")
        else:
            eligible.append(person)
    if not eligible:
        reasons.append(f"no salesperson of {store.name} can take it: the pool of {store.name}")
        return Routing(store, reasons=reasons)
    if assign == "fewest_open":
        chosen = min(eligible, key=lambda p: (p["open"], p["username"]))
        reasons.append(f"assigned to {chosen['username']}, who owns the fewest prospects ({chosen['open']})")
    else:
        last = (
            LeadIntake.objects.filter(routed_store=store, routed_owner__isnull=False)
            .order_by("-received_at", "-id")
            .values_list("routed_owner__username", flat=True)
            .first()
        )
        after = [p for p in eligible if last is None or p["username"] > last]
        chosen = (after or eligible)[0]
        reasons.append(f"assigned to {chosen['username']} by round robin")
    owner = get_user_model().objects.get(pk=chosen["pk"])
    return Routing(store, owner, reasons)


def at_cap(user: Any) -> str | None:
    """Why the user may not take one more prospect, or None."""
    cap = int(constants("pool_reclaim")["max_prospects_per_salesperson"])
    owned = Customer.objects.filter(owner=user, stage=Stage.PROSPECT).count()
    return f"{user.get_username()} owns {owned} prospects already (cap {cap})" if owned >= cap else None
