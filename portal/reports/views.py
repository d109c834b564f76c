"""Report pages, under /reports/. Thin: ``window`` reads the filter, ``measures`` computes, ``exports`` streams.

Who: store managers (their stores) and hq and admins (every store) read every report; a salesperson reads
only their own scorecard. Anything else (a store, region or person out of reach, an unknown report) is a 404.
A bad date range is answered on the page itself with what is wrong (status 400), never an error page.
"""

from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.crm.models import Role
from portal.crm.scopes import scope_of

from . import exports, lists, measures, pages
from .dashboard import dashboard as dashboard_figures
from .window import BadRange, OutOfScope, Window, may_read_reports, people_of, window_for

FORMATS = ("csv", "xlsx")


def _window(request: HttpRequest, **defaults: Any) -> Window:
    try:
        return window_for(request.user, request.GET, **defaults)
    except OutOfScope:
        raise Http404(_("No such report for you.")) from None


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Managers and hq: the dashboard. A salesperson: their own scorecard."""
    scope = scope_of(request.user)
    if not may_read_reports(scope):
        if scope.holds(Role.SALES):
            return redirect("reports:scorecard", user_id=request.user.pk)
        raise Http404(_("No such report for you."))
    try:
        w = _window(request)
    except BadRange:
        w = window_for(request.user, {})
    figures = dashboard_figures(w)
    return render(request, "reports/dashboard.html", {"d": figures, "nav": pages.report_nav(), "w": w})


@require_GET
@login_required
def report(request: HttpRequest, name: str) -> HttpResponseBase:
    if name in lists.LISTS:
        return record_list(request, name)
    if name not in measures.REPORTS or not may_read_reports(scope_of(request.user)):
        raise Http404(_("No such report for you."))
    option_name, options = measures.REPORT_OPTIONS.get(name, ("", {}))
    option = request.GET.get(option_name, "") if option_name else ""
    if option and option not in options:
        raise Http404(_("No such report for you."))
    try:
        w = _window(request)
    except BadRange as bad:
        return _bad_range(request, name, str(bad), option_name, options, option)
    result = measures.run(name, w, option)
    wanted = request.GET.get("format", "")
    if wanted in FORMATS:
        return _download(request, result, w, wanted)
    return render(
        request,
        "reports/report.html",
        pages.report_context(request, result, w, option_name=option_name, options=options, option=option),
    )


def record_list(request: HttpRequest, name: str) -> HttpResponseBase:
    """The records behind a number (``portal.reports.lists``): managers and hq of their stores, a
    salesperson their own only (whatever the link asks for)."""
    scope = scope_of(request.user)
    try:
        if may_read_reports(scope):
            w = _window(request)
        elif scope.holds(Role.SALES):
            w = pages.own_window(request, scope)
        else:
            raise Http404(_("No such report for you."))
        wanted = request.GET.get("format", "")
        paged = wanted not in FORMATS
        result = lists.LISTS[name][1](w, request.GET.get("after", "") if paged else "", paged)
    except BadRange as bad:
        return _bad_range(request, name, str(bad), "", {}, "")
    if wanted in FORMATS:
        return _download(request, result, w, wanted)
    context = pages.report_context(request, result, w, option_name="", options={}, option="")
    context["own"] = not may_read_reports(scope)
    return render(request, "reports/report.html", context)


def _bad_range(
    request: HttpRequest, name: str, problem: str, option_name: str, options: dict, option: str
) -> HttpResponse:
    w = window_for(request.user, {k: v for k, v in request.GET.items() if k not in ("start", "end")})
    context = pages.report_context(request, None, w, option_name=option_name, options=options, option=option, name=name)
    context["problem"] = problem
    context["typed"] = {"start": request.GET.get("start", "")[:20], "end": request.GET.get("end", "")[:20]}
    return render(request, "reports/report.html", context, status=400)


def _download(request: HttpRequest, result: measures.Report, w: Window, wanted: str) -> HttpResponseBase:
    if wanted == "csv":
        return exports.csv_response(result, w)
    try:
        return exports.excel_response(result, w)
    except exports.TooLarge as large:
        context = pages.report_context(request, result, w, option_name="", options={}, option="")
        context["problem"] = str(large)
        return render(request, "reports/report.html", context, status=400)


@require_GET
@login_required
def scorecard(request: HttpRequest, user_id: int) -> HttpResponseBase:
    """One salesperson's scorecard: their own, or one of a manager's people, or anyone's for hq."""
    scope = scope_of(request.user)
    try:
        if may_read_reports(scope):
            w = _window(request)
            if not people_of(w.stores).filter(user_id=user_id).exists():
                raise Http404(_("No such report for you."))
        elif scope.holds(Role.SALES) and user_id == request.user.pk:
            w = pages.own_window(request, scope)
        else:
            raise Http404(_("No such report for you."))
    except BadRange as bad:
        return render(
            request, "reports/scorecard.html", {"problem": str(bad), "person_id": user_id, "own": True}, status=400
        )
    w = replace(w, salesperson_id=user_id, everywhere=False)
    card = measures.scorecards(w)
    months = measures.periods(w, "month")
    result = measures.Report("scorecard", card.title, [card.tables[0], months.tables[0]])
    wanted = request.GET.get("format", "")
    if wanted in FORMATS:
        return _download(request, result, w, wanted)
    context = pages.report_context(request, result, w, option_name="", options={}, option="")
    context["person"] = measures.people_names({user_id}).get(user_id, "")
    context["own"] = user_id == request.user.pk
    context["person_id"] = user_id
    return render(request, "reports/scorecard.html", context)
