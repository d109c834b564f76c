"""The replay of a rule edit (issue 20, item 4): an HTML fragment the rule editor shows with htmx.

POST the edited ``text`` (and optionally ``days``, ``offset``) to ``studio:rules_replay`` with the
rule set's name in the path. Admins only; anyone else gets 404. The edit and the version in force
decide on the facts the sweeps and routing recorded (engine.api.replay_rules); the fragment shows
the counts per decision, old and new, and the facts whose decisions changed, each named by its
customer or store, linked where the viewer may open it. The replay runs in the request: at a
million customers a 30-day replay of pool_reclaim takes seconds (bench/replay.py). Problems,
a busy replay and bad input answer 200 with the reason in the fragment, so htmx shows them.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine import api
from portal.crm.models import Customer, LeadIntake, Role
from portal.crm.scopes import customers_visible_to, scope_of

from .access import may_edit

MAX_TEXT = 200_000  # characters; a rule file is a few KB


@require_POST
@login_required
def rules_replay(request: HttpRequest, name: str) -> HttpResponse:
    if not may_edit(scope_of(request.user)):
        raise Http404("no such page")
    context: dict[str, Any] = {"ruleset": name}
    text = request.POST.get("text", "")
    days, offset, wrong = _numbers(request)
    if wrong:
        context["refused"] = wrong
    elif not text.strip():
        context["refused"] = _("Give the rule text to replay.")
    elif len(text) > MAX_TEXT:
        context["refused"] = _("The rule text is %(size)s characters long; at most %(most)s are accepted.") % {
            "size": len(text),
            "most": MAX_TEXT,
        }
    else:
        try:
            result = api.replay_rules(name, text, days=days, offset=offset)
        except api.RulesRefused as refused:
            context["problems"] = [_problem(p) for p in refused.problems]
        except api.ReplayRunning as busy:
            context["busy"] = busy.started_at
        except api.NotFound:
            raise Http404("no such rule set") from None
        else:
            context.update(_shown(request, result))
    return render(request, "studio/rules_replay.html", context)


def _numbers(request: HttpRequest) -> tuple[int, int, str]:
    try:
        days = int(request.POST.get("days") or api.REPLAY_DAYS)
        offset = int(request.POST.get("offset") or 0)
    except ValueError:
        return 0, 0, _("Days and the page's start must be whole numbers.")
    if not 1 <= days <= 366:
        return 0, 0, _("Replay between 1 and 366 days.")
    if offset < 0:
        return 0, 0, _("The page's start cannot be negative.")
    return days, offset, ""


def _problem(problem: Any) -> dict[str, Any]:
    where = problem.element
    line = where.removeprefix("line ")
    return {"line": int(line) if line.isdigit() else None, "where": where, "reason": problem.reason}


def _shown(request: HttpRequest, result: dict[str, Any]) -> dict[str, Any]:
    counts = [
        {"label": _label(c["action"], c["params"]), "old": c["old"], "new": c["new"], "delta": c["new"] - c["old"]}
        for c in result["counts"]
    ]
    names = _records(request, result["kind"], [c["fact"] for c in result["changed"]])
    changed = [
        {
            "at": c["at"],
            "record": names.get(str(c["fact"].get("id"))) or _fact_label(c["fact"]),
            "old": [_decision(d) for d in c["old"]],
            "new": [_decision(d) for d in c["new"]],
        }
        for c in result["changed"]
    ]
    shown_to = result["offset"] + len(changed)
    return {
        "result": result,
        "counts": counts,
        "changed": changed,
        "first": result["offset"] + 1 if changed else 0,
        "last": shown_to,
        "next_offset": shown_to if shown_to < result["changed_total"] else None,
    }


def _records(request: HttpRequest, kind: str, facts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Fact id -> {"name", "url"}: customers (prospects, scores) and leads by their customer's name."""
    ids = [f.get("id") for f in facts]
    found: dict[str, dict[str, Any]] = {}
    if kind in LEAD_FACTS:
        leads = LeadIntake.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list(
            "pk", "customer_id", "customer__name"
        )
        owners = {lead: (customer, name) for lead, customer, name in leads}
    elif kind in CUSTOMER_FACTS:
        customers = Customer.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list("pk", "name")
        owners = {pk: (pk, name) for pk, name in customers}
    else:
        return found
    visible = set(
        customers_visible_to(request.user).filter(pk__in=[c for c, _n in owners.values()]).values_list("pk", flat=True)
    )
    for fact_id, (customer_id, name) in owners.items():
        url = reverse("crm:customer", args=[customer_id]) if customer_id in visible else ""
        found[str(fact_id)] = {"name": name, "url": url}
    return found


# The fact kinds whose ids are records: customer ids (prospects, scores), lead intake ids.
CUSTOMER_FACTS = ("prospect", "prospect_score")
LEAD_FACTS = ("lead",)


def _fact_label(fact: dict[str, Any]) -> dict[str, Any]:
    """A stock level or a reminder: its store and what it counts; a record no longer there."""
    if "in_stock" in fact:
        kind = " ".join(str(fact[k]) for k in ("brand", "model", "vehicle_type") if fact.get(k))
        name = _("%(store)s: %(kind)s (%(count)s in stock)") % {
            "store": fact.get("store", ""),
            "kind": kind,
            "count": fact["in_stock"],
        }
    elif "days_until" in fact:
        name = _("%(store)s: due in %(days)s days") % {"store": fact.get("store", ""), "days": fact["days_until"]}
    else:
        name = _("a record that no longer exists")
    return {"name": name, "url": ""}


ASSIGN = {
    "pool": lambda: _("to its pool"),
    "round_robin": lambda: _("by round robin"),
    "fewest_open": lambda: _("to whoever owns the fewest prospects"),
}


def _label(action: str, params: dict[str, Any]) -> str:
    """A decision in the reader's language (what it does, with the values that matter)."""
    assign = ASSIGN.get(str(params.get("assign") or "pool"), lambda: str(params.get("assign")))()
    if action == "return_to_pool":
        return _("Returned to the pool")
    if action == "warn_owner":
        return _("Owner warned, %(days)s days left") % {"days": params.get("days_left")}
    if action == "keep":
        return _("Kept by the owner")
    if action == "route_to":
        return _("Routed to %(store)s, %(assign)s") % {"store": params.get("store"), "assign": assign}
    if action == "route_to_asked":
        return _("Routed to the store the lead asked for, %(assign)s") % {"assign": assign}
    if action == "add_score":
        return _("%(points)s points added") % {"points": params.get("points")}
    if action == "stock_short":
        return _("Shortage alert (minimum %(minimum)s)") % {"minimum": params.get("minimum")}
    if action == "stock_over":
        return _("Overstock alert (maximum %(maximum)s)") % {"maximum": params.get("maximum")}
    if action == "remind":
        to = params.get("to")
        who = _("the salesperson") if to == "owner" else (Role(to).label if to in Role.values else str(to))
        return _("Reminder to %(who)s") % {"who": who}
    values = ", ".join(f"{k} {v}" for k, v in params.items())
    return f"{action} ({values})" if values else action


def _decision(decision: dict[str, Any]) -> dict[str, Any]:
    about = decision.get("about") or ""
    spec = {"texts": decision.get("translations", {}).get("about", {}), "drawn": about}
    return {
        "label": _label(decision["action"], decision.get("params", {})),
        "about": api.render_text(spec, about) if about else "",
    }
