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
from django.utils.translation import gettext, gettext_noop

from engine import api

from ..models import Customer, LeadIntake, Role, Store
from ..models.choices import Stage
from .rules import constants
from .texts import text

ASSIGNMENTS = ("pool", "round_robin", "fewest_open")


@dataclass
class Routing:
    store: Store
    owner: Any = None
    reasons: list[dict[str, Any]] = field(default_factory=list)  # messages: texts.shown() in any language


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
        return Routing(default_store, reasons=[text(gettext_noop("no routing rule matched: the default store's pool"))])
    decision = decisions[0]
    why = (
        text(gettext_noop("rule %(rule)s (%(about)s)"), rule=decision.rule, about=decision.text())
        if decision.about
        else text(gettext_noop("rule %(rule)s"), rule=decision.rule)
    )
    wanted = fact.get("store") if decision.action == "route_to_asked" else decision.params.get("store")
    store = Store.objects.filter(name=wanted).first()
    if store is None:
        missing = text(gettext_noop("store %(store)s does not exist: the default store's pool"), store=repr(wanted))
        return Routing(default_store, reasons=[why, missing])
    assign = decision.params.get("assign") or "pool"
    if assign not in ASSIGNMENTS:
        unknown = text(
            gettext_noop("unknown assignment %(assign)s: the pool of %(store)s"), assign=repr(assign), store=store.name
        )
        return Routing(store, reasons=[why, unknown])
    if assign == "pool":
        return Routing(store, reasons=[why, text(gettext_noop("the pool of %(store)s"), store=store.name)])
    return _pick_salesperson(store, assign, [why])


def _pick_salesperson(store: Store, assign: str, reasons: list[dict[str, Any]]) -> Routing:
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
            reasons.append(text(gettext_noop("skipped %(username)s: inactive"), username=person["username"]))
        elif person["open"] >= cap:
            reasons.append(
                text(
                    gettext_noop("skipped %(username)s: owns %(count)s prospects (cap %(cap)s)"),
                    username=person["username"],
                    count=person["open"],
                    cap=cap,
                )
            )
        else:
            eligible.append(person)
    if not eligible:
        reasons.append(
            text(gettext_noop("no salesperson of %(store)s can take it: the pool of %(store)s"), store=store.name)
        )
        return Routing(store, reasons=reasons)
    if assign == "fewest_open":
        chosen = min(eligible, key=lambda p: (p["open"], p["username"]))
        reasons.append(
            text(
                gettext_noop("assigned to %(username)s, who owns the fewest prospects (%(count)s)"),
                username=chosen["username"],
                count=chosen["open"],
            )
        )
    else:
        last = (
            LeadIntake.objects.filter(routed_store=store, routed_owner__isnull=False)
            .order_by("-received_at", "-id")
            .values_list("routed_owner__username", flat=True)
            .first()
        )
        after = [p for p in eligible if last is None or p["username"] > last]
        chosen = (after or eligible)[0]
        reasons.append(text(gettext_noop("assigned to %(username)s by round robin"), username=chosen["username"]))
    owner = get_user_model().objects.get(pk=chosen["pk"])
    return Routing(store, owner, reasons)


def at_cap(user: Any) -> str | None:
    """Why the user may not take one more prospect, or None (in the active language: said at once)."""
    cap = int(constants("pool_reclaim")["max_prospects_per_salesperson"])
    owned = Customer.objects.filter(owner=user, stage=Stage.PROSPECT).count()
    if owned < cap:
        return None
    return gettext("%(username)s owns %(count)s prospects already (cap %(cap)s)") % {
        "username": user.get_username(),
        "count": owned,
        "cap": cap,
    }
