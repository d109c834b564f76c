"""The landing page of managers and hq: this month's funnel against last month, overdue work and SLAs at risk
per store, stock alerts, the week's deals. Every figure comes from ``measures`` (defined once there)."""

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from engine import api
from portal.ui.templatetags.lotflow import number

from . import measures
from .tables import change, ratio
from .window import Window, month_start, today

AT_RISK_HOURS = 24
STOCK_ALERT_DAYS = 90


@dataclass
class StoreLine:
    store_id: int
    name: str
    overdue: int = 0
    at_risk: int = 0
    complaints_overdue: int = 0
    old_stock: int = 0
    stock: int = 0
    week_deals: int = 0
    week_revenue: int = 0


@dataclass
class Dashboard:
    stages: list[dict[str, Any]]
    stores: list[StoreLine]
    week_start: Any
    this_month: Window
    last_month: Window


def dashboard(w: Window) -> Dashboard:
    """``w`` gives the viewer and the stores; the dates are always this month and this week."""
    start = month_start(today())
    this_month = replace(w, start=start, end=today())
    last_month = this_month.shifted(-1)
    now_counts = _totals(this_month)
    before = _totals(last_month)
    stages = [
        {
            "key": stage,
            "label": measures.STAGE_LABELS[stage],
            "now": now_counts[stage],
            "before": before[stage],
            "change": change(now_counts[stage], before[stage]),
            "conversion": ratio(now_counts[stage], now_counts[prev]) if prev else None,
            "change_shown": _signed(change(now_counts[stage], before[stage])),
        }
        for stage, prev in zip(measures.STAGES, (None, *measures.STAGES[:-1]), strict=True)
    ]
    names = measures.store_names(w)
    lines = {pk: StoreLine(pk, store.name) for pk, store in sorted(names.items(), key=lambda s: s[1].name)}
    now = timezone.now()
    open_items = api.WorkItem.objects.filter(status=api.ItemStatus.OPEN, store_id__in=w.store_ids, due_at__isnull=False)
    for row in measures._grouped(
        open_items,
        "store_id",
        overdue=Count("id", filter=Q(due_at__lt=now)),
        at_risk=Count("id", filter=Q(due_at__gte=now, due_at__lt=now + timedelta(hours=AT_RISK_HOURS))),
    ).values():
        line = lines.get(row["store_id"])
        if line:
            line.overdue, line.at_risk = row["overdue"], row["at_risk"]
    late = measures.complaints(w).filter(status__in=measures.UNRESOLVED, deadline__lt=now)
    for pk, row in measures._grouped(late, "store_id", n=Count("*")).items():
        if pk in lines:
            lines[pk].complaints_overdue = row["n"]
    held = measures.vehicles(w).filter(status__in=measures.IN_STOCK)
    for pk, row in measures._grouped(
        held,
        "store_id",
        n=Count("*"),
        old=Count("id", filter=Q(created_at__lte=now - timedelta(days=STOCK_ALERT_DAYS))),
    ).items():
        if pk in lines:
            lines[pk].stock, lines[pk].old_stock = row["n"], row["old"]
    week_start = today() - timedelta(days=today().weekday())
    week = replace(w, start=week_start, end=today())
    for pk, row in measures._grouped(measures.deals(week), "store_id", n=Count("*"), revenue=Sum("price")).items():
        if pk in lines:
            lines[pk].week_deals, lines[pk].week_revenue = row["n"], row["revenue"] or 0
    return Dashboard(stages, list(lines.values()), week_start, this_month, last_month)


def _signed(value: float | None) -> str:
    if value is None:
        return ""
    return ("+" if value >= 0 else "") + number(round(value * 100, 1)) + "%"


def _totals(w: Window) -> dict[str, int]:
    totals = dict.fromkeys(measures.STAGES, 0)
    for figures in measures.funnel_counts(w, "store").values():
        for stage in measures.STAGES:
            totals[stage] += figures[stage]
    return totals
