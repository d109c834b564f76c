"""Lead scores: the ``lead_scoring`` rules add points; the score is kept on the prospect,
explained (which rule added what), and sets the priority of the prospect's work items.

``score_customers`` recomputes the given prospects (the CRM's services call it
when what a score reads changes); the ``scores`` sweep recomputes every prospect.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from engine import api

from ..models import Customer
from ..models.choices import Stage
from .reclaim import SweepReport
from .rules import constants, now_or

CHUNK = 2000


def _facts(customers: Sequence[Mapping[str, Any]], tags: dict[int, list[str]], at: datetime) -> list[dict[str, Any]]:
    today = timezone.localtime(at).date()
    return [
        {
            "id": c["id"],
            "source": c["source"],
            "intent_level": c["intent_level"],
            "budget_max": c["budget_max"],
            "vehicle_type": c["vehicle_type"] or None,
            "tags": tags.get(c["id"], []),
            "days_to_purchase": (c["expected_purchase_by"] - today).days if c["expected_purchase_by"] else None,
            "contacts_last_30_days": c["contacts"],
            "visits_booked": c["visits"],
        }
        for c in customers
    ]


def priority_for(score: int, values: dict[str, Any]) -> int:
    for priority in (1, 2, 3):
        if score >= int(values[f"priority_{priority}_from"]):
            return priority
    return 4


def _rows(ids: list[int], at: datetime) -> tuple[Sequence[Mapping[str, Any]], list[dict[str, Any]]]:
    """(customer rows, their prospect_score facts) for prospects among ``ids``."""
    rows = list(
        Customer.objects.filter(pk__in=ids, stage=Stage.PROSPECT)
        .annotate(
            contacts=Count("communications", filter=Q(communications__at__gte=at - timedelta(days=30)), distinct=True),
            visits=Count("appointments", filter=Q(appointments__at__gte=at), distinct=True),
        )
        .values(
            "id",
            "source",
            "intent_level",
            "budget_max",
            "vehicle_type",
            "expected_purchase_by",
            "contacts",
            "visits",
            "score",
        )
    )
    tags: dict[int, list[str]] = {}
    for customer_id, name in Customer.tags.through.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "tag__name"
    ):
        tags.setdefault(customer_id, []).append(name)
    return rows, _facts(rows, tags, at)


def facts_of_customer(reference: str) -> list[dict[str, Any]]:
    """For `rules dryrun lead_scoring --of CUSTOMER_ID`."""
    return _rows([int(reference)], now_or(None))[1] if reference.isdigit() else []


def score_customers(ids: list[int], *, now: datetime | None = None) -> dict[int, int]:
    """Recompute and store the scores of these prospects; returns id -> score."""
    at = now_or(now)
    values = constants("lead_scoring")
    rows, facts = _rows(ids, at)
    reasons: dict[int, list[list[Any]]] = {row["id"]: [] for row in rows}
    for decision in api.evaluate_rules("lead_scoring", facts, at=at):
        # The reason keeps the rule file's translations: shown in each reader's language (texts.score_reasons).
        reasons[decision.fact].append([int(decision.params["points"]), decision.text("reason")])
    scores = {}
    for row in rows:
        score = sum(int(points) for points, _why in reasons[row["id"]])
        scores[row["id"]] = score
        Customer.objects.filter(pk=row["id"]).update(score=score, score_reasons=reasons[row["id"]])
        api.set_priority(subject_ref=f"customer:{row['id']}", priority=priority_for(score, values))
    return scores


def sweep_scores(*, now: datetime | None = None, preview: bool = False) -> SweepReport:
    at = now_or(now)
    report = SweepReport("scores", at, preview)
    last_id = 0
    while True:
        ids = list(
            Customer.objects.filter(stage=Stage.PROSPECT, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return report
        last_id = ids[-1]
        report.candidates += len(ids)
        if preview:
            continue
        for score in score_customers(ids, now=at).values():
            report.actions["scored"] += 1
            report.actions["score >= 45"] += score >= 45
