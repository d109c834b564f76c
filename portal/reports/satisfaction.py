"""The satisfaction index from the surveys (portal.surveys): per month, store, salesperson and topic.

The index is the mean of the scale answers on a 0-100 footing (1 of 5 is 0, 5 of 5 is 100; 0-10 likewise),
so questionnaires with different scales add up. A response's index is the mean of its own scale answers; the
store, salesperson and month figures are the mean over responses, the topic figures the mean over answers.
Scoped as every report: the viewer's stores, narrowed by the filter (``window``).
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Case, Count, DateField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.crm.scopes import scope_of
from portal.surveys.design import may_design
from portal.surveys.models import Answer, Response, Topic

from . import exports, pages
from .measures import people_names, store_names
from .tables import NUMBER, SCORE, Chart, Column, Report, Table
from .window import (
    BadRange,
    OutOfScope,
    Window,
    add_months,
    day_start,
    may_read_reports,
    month_start,
    window_for,
)

NAME = "satisfaction"


def responses(w: Window) -> QuerySet[Response]:
    rows = Response.objects.filter(answered_at__gte=w.since, answered_at__lt=w.until, index__isnull=False)
    if not w.everywhere:
        rows = rows.filter(store_id__in=w.store_ids)
    if w.salesperson_id:
        rows = rows.filter(salesperson_id=w.salesperson_id)
    return rows


def _answers(w: Window) -> QuerySet[Answer]:
    """The scale answers of the window's responses, filtered on the response's own columns (a join the
    database drives from the response index), not through a subquery over every answer."""
    rows = Answer.objects.filter(
        response__answered_at__gte=w.since, response__answered_at__lt=w.until, points__isnull=False
    )
    if not w.everywhere:
        rows = rows.filter(response__store_id__in=w.store_ids)
    if w.salesperson_id:
        rows = rows.filter(response__salesperson_id=w.salesperson_id)
    return rows


def _month_of(w: Window) -> Case:
    """The local month a response falls in, as plain comparisons with the months' first moments (SQLite's
    TruncMonth with a time zone calls Python once a row: seconds over a year of a group's answers)."""
    first = month_start(w.start)
    starts = []
    while first <= w.end:
        starts.append(first)
        first = add_months(first, 1)
    bounds = [(m, day_start(add_months(m, 1))) for m in starts]
    return Case(*(When(answered_at__lt=end, then=Value(m)) for m, end in bounds), output_field=DateField())


def _grouped(rows: QuerySet, key: str) -> list[dict[str, Any]]:
    low = Count("id", filter=Q(complaint__isnull=False))
    return list(rows.order_by().values(key).annotate(index=Avg("index"), n=Count("id"), low=low).order_by(key))


def _r(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


COLUMNS = [
    Column("index", gettext_lazy("Satisfaction index (0-100)"), SCORE),
    Column("n", gettext_lazy("Responses"), NUMBER),
    Column("low", gettext_lazy("Complaints opened"), NUMBER),
]


def satisfaction(w: Window) -> Report:
    rows = responses(w)
    months = [
        {"month": r["month"], "index": _r(r["index"]), "n": r["n"], "low": r["low"]}
        for r in _grouped(rows.annotate(month=_month_of(w)), "month")
    ]
    stores = store_names(w)
    by_store = sorted(
        (
            {
                "store": stores[r["store_id"]].name if r["store_id"] in stores else str(r["store_id"]),
                "index": _r(r["index"]),
                "n": r["n"],
                "low": r["low"],
            }
            for r in _grouped(rows, "store_id")
        ),
        key=lambda r: (r["index"] is None, -(r["index"] or 0)),
    )
    people_rows = _grouped(rows.filter(salesperson_id__isnull=False), "salesperson_id")
    names = people_names({r["salesperson_id"] for r in people_rows})
    by_person = sorted(
        (
            {"person": names.get(r["salesperson_id"], ""), "index": _r(r["index"]), "n": r["n"], "low": r["low"]}
            for r in people_rows
        ),
        key=lambda r: -(r["index"] or 0),
    )
    topics = dict(Topic.choices)
    answers = _answers(w)
    by_topic = [
        {"topic": str(topics.get(r["topic"], r["topic"])), "index": _r(r["index"]), "n": r["n"]}
        for r in answers.order_by().values("topic").annotate(index=Avg("points"), n=Count("id")).order_by("topic")
    ]
    return Report(
        NAME,
        _("Customer satisfaction"),
        [
            Table(
                _("Satisfaction index by month"),
                [Column("month", _("Month"), "month"), *COLUMNS],
                months,
                Chart("line", "month", ["index"]),
            ),
            Table(
                _("By store"),
                [Column("store", _("Store"), "text"), *COLUMNS],
                by_store,
                Chart("bar", "store", ["index"]),
            ),
            Table(_("By salesperson"), [Column("person", _("Salesperson"), "text"), *COLUMNS], by_person),
            Table(
                _("By topic"),
                [
                    Column("topic", _("Topic"), "text"),
                    Column("index", _("Satisfaction index (0-100)"), SCORE),
                    Column("n", _("Answers"), NUMBER),
                ],
                by_topic,
                Chart("bar", "topic", ["index"]),
            ),
        ],
        method=_(
            "From the surveys customers answered by link or on a call with staff. Every scale answer counts on a "
            "0-100 footing (the lowest score 0, the highest 100); a response's index is the mean of its scale "
            "answers, and a low one opens a complaint."
        ),
    )


@require_GET
@login_required
def satisfaction_page(request: HttpRequest) -> HttpResponseBase:
    if not may_read_reports(scope_of(request.user)):
        raise Http404(_("No such report for you."))
    try:
        w = window_for(request.user, request.GET)
    except OutOfScope:
        raise Http404(_("No such report for you.")) from None
    except BadRange as bad:
        w = window_for(request.user, {k: v for k, v in request.GET.items() if k not in ("start", "end")})
        context = _context(request, None, w)
        context["problem"] = str(bad)
        context["typed"] = {"start": request.GET.get("start", "")[:20], "end": request.GET.get("end", "")[:20]}
        return render(request, "reports/satisfaction.html", context, status=400)
    result = satisfaction(w)
    if request.GET.get("format") == "csv":
        return exports.csv_response(result, w)
    return render(request, "reports/satisfaction.html", _context(request, result, w))


def _context(request: HttpRequest, result: Report | None, w: Window) -> dict[str, Any]:
    context = pages.report_context(request, result or Report(NAME, "", []), w, option_name="", options={}, option="")
    context["title"] = _("Customer satisfaction")
    context["may_design"] = may_design(request.user)
    if result is None:
        context["report"] = None
    return context


__all__ = ["satisfaction", "satisfaction_page"]
