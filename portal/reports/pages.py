"""What the report templates show: each cell written as people read it, the charts' data, the filter's lists."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portal.crm.models import Role, Store
from portal.crm.scopes import Scope
from portal.ui.templatetags.lotflow import number, yuan

from . import lists, measures
from .tables import DAYS, NUMBER, PERCENT, SCORE, TIME, YUAN, Report, Table
from .window import Window, check_range, month_start, parse_day, people_of, today, zone

CHART_SERIES_MAX = 8  # a trend with more groups draws the largest ones (the table has them all)
CHART_POINTS_MAX = 400


def report_nav() -> list[tuple[str, Any]]:
    return [(name, title) for name, (title, _f) in (measures.REPORTS | lists.LISTS).items()]


def cell(kind: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime) and kind == TIME:
        return date_format(
            timezone.localtime(value, zone()) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT"
        )
    if isinstance(value, datetime):
        value = timezone.localtime(value, zone()).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return date_format(value, "YEAR_MONTH_FORMAT" if kind == "month" else "DATE_FORMAT")
    if kind == PERCENT:
        return number(round(value * 100, 1)) + "%"
    if kind == YUAN:
        return yuan(value)
    if kind in (NUMBER, SCORE, DAYS):
        return number(value)
    return str(value)


def shown_table(table: Table, index: int = 0) -> dict[str, Any]:
    """The table's rows as cells (text, link, numeric), and its chart's data."""
    rows = []
    kept = []
    more = False
    for n, row in enumerate(table.rows):
        if table.page_rows is not None and n >= table.page_rows:
            more = True
            break
        kept.append(row)
        links = row.get("_links", {})
        rows.append(
            [
                {
                    "text": cell(c.kind, row.get(c.key)),
                    "link": links.get(c.key, ""),
                    "numeric": c.kind != "text",
                    "label": str(c.label),
                }
                for c in table.columns
            ]
        )
    return {
        "title": table.title,
        "note": table.note,
        "columns": table.columns,
        "rows": rows,
        "more": more,
        "next_key": kept[-1].get("_key", "") if more else "",
        "chart": chart_data(table, kept) if table.chart and kept else None,
        "chart_id": f"chart-data-{index}",
    }


def chart_data(table: Table, rows: list[dict[str, Any]]) -> dict[str, Any]:
    chart = table.chart
    assert chart is not None
    labels = {c.key: str(c.label) for c in table.columns}
    kinds = {c.key: c.kind for c in table.columns}
    rows = rows[:CHART_POINTS_MAX]
    if chart.kind == "funnel":
        return {
            "kind": "funnel",
            "data": [{"name": str(r[chart.x]), "value": r[chart.series[0]]} for r in rows],
        }
    if chart.pivot:
        key = chart.series[0]
        categories = sorted({r[chart.x] for r in rows})
        totals: dict[str, int] = {}
        for r in rows:
            totals[r[chart.pivot]] = totals.get(r[chart.pivot], 0) + (r[key] or 0)
        groups = sorted(totals, key=lambda g: -totals[g])[:CHART_SERIES_MAX]
        values = {(r[chart.x], r[chart.pivot]): r[key] for r in rows}
        return {
            "kind": chart.kind,
            "categories": [cell(kinds[chart.x], c) for c in categories],
            "series": [{"name": g, "data": [values.get((c, g), 0) for c in categories]} for g in groups],
            "percent": False,
        }
    return {
        "kind": chart.kind,
        "stack": chart.stack,
        "categories": [cell(kinds[chart.x], r[chart.x]) for r in rows],
        "series": [
            {
                "name": labels[key],
                "data": [_chart_value(kinds[key], r.get(key)) for r in rows],
                "links": [r.get("_links", {}).get(key, "") for r in rows],
            }
            for key in chart.series
        ],
        "percent": all(kinds[k] == PERCENT for k in chart.series),
    }


def _chart_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == PERCENT:
        return round(value * 100, 1)
    return value


def report_context(
    request: HttpRequest,
    result: Report | None,
    w: Window,
    *,
    option_name: str,
    options: dict[str, Any],
    option: str,
    name: str = "",
) -> dict[str, Any]:
    name = result.name if result is not None else name
    query: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k not in ("format", "after")}
    tables = [shown_table(t, n) for n, t in enumerate(result.tables)] if result is not None else []
    for table in tables:  # a record list pages on from its last row (keyset), keeping the filter
        table["next_url"] = "?" + urlencode({**query, "after": table["next_key"]}) if table["next_key"] else ""
    return {
        "report": result,
        "name": name,
        "title": result.title if result is not None else (measures.REPORTS | lists.LISTS)[name][0],
        "tables": tables,
        "w": w,
        "nav": report_nav(),
        "stores": w.stores,
        "regions": sorted({s.region for s in w.stores}),
        "people": sorted(people_of(w.stores), key=str),
        "chosen_store": request.GET.get("store", ""),
        "chosen_person": request.GET.get("salesperson", ""),
        "option_name": option_name,
        "options": list(options.items()),
        "option": option,
        "typed": {"start": w.start.isoformat(), "end": w.end.isoformat()},
        "csv_url": "?" + urlencode({**query, "format": "csv"}),
        "xlsx_url": "?" + urlencode({**query, "format": "xlsx"}),
        "chart_texts": {"none": _("Nothing in this range."), "percent": "%"},
        "dashboard_url": reverse("reports:index"),
    }


def own_window(request: HttpRequest, scope: Scope) -> Window:
    """A salesperson's own scorecard: the stores they sell in, this month unless they choose a range."""
    store_ids = scope.stores(Role.SALES)
    stores = (
        tuple(Store.objects.filter(pk__in=sorted(store_ids)).order_by("name"))
        if isinstance(store_ids, set)
        else tuple(Store.objects.order_by("name"))
    )
    start = parse_day(request.GET.get("start"), _("Start")) or month_start(today())
    end = parse_day(request.GET.get("end"), _("End")) or today()
    check_range(start, end)
    return Window(request.user, start, end, tuple(s.pk for s in stores), "", request.user.pk, stores)
