"""The rule studio's pages (issue 20): the rule sets with their history and rollback, and the editor
with its live check, its dry run and its save.

Admins edit; hq reads (``access``); anyone else gets 404, on GET and POST alike. Every change goes
through ``engine.api`` (checked there, audited there); this module only asks and shows.
"""

import difflib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from engine import api
from portal.crm import search
from portal.crm.models import Store
from portal.crm.scopes import EVERYWHERE, Scope, customers_visible_to, leads_visible_to, scope_of

from . import rule_reasons
from .access import may_edit, may_read_rules
from .models import RuleCases
from .rules_forms import DryRunForm, RollbackForm, RuleSaveForm, text_size_problem

# Which records a kind of fact is read from, for a dry run against a real one.
RECORDS = {"prospect": "customer", "prospect_score": "customer", "lead": "lead", "stock": "store"}
SEARCH_LIMIT = 10


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not may_read_rules(scope):
        raise Http404(_("No such page."))
    return scope


def _editor(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not may_edit(scope):
        raise Http404(_("No such page."))
    return scope


def _versions(name: str) -> list[dict[str, Any]]:
    try:
        return api.rules_versions(name)
    except api.NotFound as err:
        raise Http404(str(err)) from err


def diff_rows(before: str, after: str) -> list[tuple[str, str]]:
    """A readable line diff: (kind, line) with kind "add", "del", "same" or "gap" (lines left out)."""
    rows: list[tuple[str, str]] = []
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(2):
        if rows:
            rows.append(("gap", "…"))
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                rows += [("same", line) for line in old[a1:a2]]
                continue
            rows += [("del", line) for line in old[a1:a2]]
            rows += [("add", line) for line in new[b1:b2]]
    return rows


def cases_for(name: str, upto: int | None = None) -> list[dict[str, Any]]:
    """The example cases a save of ``name`` runs: the newest ones an admin updated (up to version
    ``upto``), else the shipped rules/NAME.cases.json."""
    rows = RuleCases.objects.filter(ruleset=name)
    if upto is not None:
        rows = rows.filter(version__lte=upto)
    row = rows.order_by("-version").first()
    return list(row.cases) if row is not None else api.rules_shipped_cases(name)


def problem_rows(refused: api.DeploymentRefused) -> list[dict[str, Any]]:
    rows = []
    for problem in refused.problems:
        line = problem.element.removeprefix("line ")
        rows.append({"line": int(line) if line.isdigit() else None, "reason": rule_reasons.reason(problem.reason)})
    return rows


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    scope = _reader(request)
    return render(request, "studio/rules.html", {"rule_sets": api.rule_sets(), "may_edit": may_edit(scope)})


@login_required
@require_GET
def rules_history(request: HttpRequest, name: str) -> HttpResponse:
    scope = _reader(request)
    found = _versions(name)
    for newer, older in zip(found, [*found[1:], None], strict=True):
        newer["diff"] = diff_rows(older["text"], newer["text"]) if older is not None else []
        newer["in_force"] = newer is found[0]
    return render(
        request,
        "studio/rules_history.html",
        {"name": name, "versions": found, "may_edit": may_edit(scope), "form": RollbackForm()},
    )


@login_required
@require_POST
def rules_rollback(request: HttpRequest, name: str) -> HttpResponse:
    _editor(request)
    _versions(name)
    form = RollbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("studio:rules_history", name=name)
    version = form.cleaned_data["version"]
    try:
        with transaction.atomic():
            saved = api.rollback_rules(name, version, user=request.user, comment=form.cleaned_data["comment"])
            if RuleCases.objects.filter(ruleset=name).exists():
                RuleCases.objects.create(
                    ruleset=name, version=saved.version, cases=cases_for(name, version), saved_by_id=request.user.pk
                )
    except api.RulesRefused as refused:
        for row in problem_rows(refused):
            messages.error(request, _("Line %(line)s: %(reason)s") % row)
        return redirect("studio:rules_history", name=name)
    except api.Conflict:
        messages.error(request, _("That version is already in force; nothing was saved."))
        return redirect("studio:rules_history", name=name)
    except api.NotFound as err:
        raise Http404(str(err)) from err
    if version:
        done = _("Version %(old)s is in force again, as version %(new)s.") % {"old": version, "new": saved.version}
    else:
        done = _("The shipped file is in force again, as version %(new)s.") % {"new": saved.version}
    messages.success(request, done)
    return redirect("studio:rules_history", name=name)


def _editor_config(request: HttpRequest, name: str, kind: str, problems: list, editable: bool) -> dict[str, Any]:
    return {
        "kind": kind,
        "catalog": api.rules_catalog(),
        "checkUrl": reverse("studio:rules_check", args=[name]) if editable else "",
        "editable": editable,
        "problems": problems,
        "maxBytes": api.RULES_MAX_TEXT_BYTES,
        "texts": {
            "line": _("Line %(line)s"),
            "tooLarge": _("The rule file is larger than %(limit)s KB; it is not checked.")
            % {"limit": api.RULES_MAX_TEXT_BYTES // 1000},
            "checking": _("Checking…"),
            "ok": _("No problems found."),
            "problems": _("Problems"),
            "unreachable": _("The check could not be reached; try again."),
            "field": _("field"),
            "action": _("action"),
            "parameter": _("parameter"),
            "setName": _("value set in the file"),
            "keyword": _("keyword"),
            "required": _("required"),
            "types": {code: _(name) for code, name in rule_reasons.TYPES.items()},
        },
    }


def _sample_fact(kind: str, cases: list[dict[str, Any]]) -> str:
    if cases:
        return json.dumps(cases[0]["fact"], ensure_ascii=False, indent=2)
    fields = api.rules_catalog()["facts"].get(kind, {}).get("fields", {})
    blank = {"text": "", "number": 0, "whole": 0, "flag": False, "list": []}
    return json.dumps({f: blank[t] for f, t in fields.items()}, ensure_ascii=False, indent=2)


def _edit_page(request: HttpRequest, name: str, scope: Scope, status: int = 200, **extra: Any) -> HttpResponse:
    text, version = api.rules_text(name)
    form = extra.pop("form", None)
    if form is None:
        form = RuleSaveForm(initial={"text": text, "base_version": version})
    kind = api.rules_fact_kind(name)
    cases = cases_for(name)
    editable = may_edit(scope)
    config = _editor_config(request, name, kind, extra.get("problems", []), editable)
    context = {
        "name": name,
        "version": version,
        "kind": kind,
        "form": form,
        "config": config,
        "editable": editable,
        "record": RECORDS.get(kind),
        "sample_fact": _sample_fact(kind, cases),
        "cases": cases,
        **extra,
    }
    return render(request, "studio/rules_edit.html", context, status=status)


@login_required
def rules_edit(request: HttpRequest, name: str) -> HttpResponse:
    scope = _editor(request) if request.method == "POST" else _reader(request)
    _versions(name)
    if request.method != "POST":
        return _edit_page(request, name, scope)
    cases = cases_for(name)
    form = RuleSaveForm(request.POST, cases=len(cases))
    if not form.is_valid():
        return _edit_page(request, name, scope, 400, form=form)
    text, comment, base = form.cleaned_data["text"], form.cleaned_data["comment"], form.cleaned_data["base_version"]
    try:
        ruleset = api.check_rules(text)
    except api.RulesRefused as refused:
        return _edit_page(request, name, scope, 400, form=form, problems=problem_rows(refused))
    if ruleset.name != name:
        problem = {
            "line": ruleset.lines.get("ruleset"),
            "reason": _("The file says `ruleset %(found)s`; this page edits %(name)s.")
            % {"found": ruleset.name, "name": name},
        }
        return _edit_page(request, name, scope, 400, form=form, problems=[problem])
    if api.rules_text(name)[1] != base:
        # Told first: the cases and the save would run against a version the admin has not seen.
        found = _versions(name)
        older = next((v["text"] for v in found if v["version"] == base), "")
        return _moved_page(request, name, scope, form, found[0], base, older)
    accepted = set(form.cleaned_data["accept"])
    results = api.run_rules_cases(text, cases)
    updated = False
    for index, result in enumerate(results):
        if not result["ok"] and index in accepted and not result["error"]:
            cases[index] = {**cases[index], "expect": result["got"]}
            result["ok"], result["accepted"] = True, True
            updated = True
    failing = [dict(r, index=i) for i, r in enumerate(results) if not r["ok"]]
    if failing:
        return _edit_page(request, name, scope, 400, form=form, failing=failing)
    try:
        with transaction.atomic():
            saved = api.save_rules_from(text, base_version=base, user=request.user, comment=comment)
            if updated:
                RuleCases.objects.create(ruleset=name, version=saved.version, cases=cases, saved_by_id=request.user.pk)
    except api.RulesVersionMoved as moved:
        return _moved_page(request, name, scope, form, moved.current, moved.base, moved.base_text)
    except api.RulesRefused as refused:
        return _edit_page(request, name, scope, 400, form=form, problems=problem_rows(refused))
    except api.Conflict:
        return _edit_page(request, name, scope, 400, form=form, unchanged=True)
    messages.success(
        request, _("Version %(version)s of %(name)s is in force.") % {"version": saved.version, "name": name}
    )
    return redirect("studio:rules_edit", name=name)


def _moved_page(
    request: HttpRequest, name: str, scope: Scope, form: RuleSaveForm, current: dict, base: int, base_text: str
) -> HttpResponse:
    """The version moved under the admin: who saved what, as a diff from where they started; their text
    stays in the editor, and the page now carries the new version (a second save is on top of it)."""
    data = request.POST.copy()
    data["base_version"] = str(current["version"])
    again = RuleSaveForm(data, cases=len(cases_for(name)))
    again.is_valid()
    return _edit_page(
        request,
        name,
        scope,
        409,
        form=again,
        moved=current,
        moved_from=base,
        moved_diff=diff_rows(base_text, current["text"]),
    )


@login_required
@require_POST
def rules_check(request: HttpRequest, name: str) -> JsonResponse:
    """The problems of the text being edited, each with its line (what `manage.py rules check` says)."""
    _editor(request)
    text = request.POST.get("text", "")
    too_large = text_size_problem(text)
    if too_large:
        return JsonResponse({"problems": [{"line": None, "reason": too_large}]})
    try:
        ruleset = api.check_rules(text)
    except api.RulesRefused as refused:
        return JsonResponse({"problems": problem_rows(refused)})
    if ruleset.name != name:
        reason = _("The file says `ruleset %(found)s`; this page edits %(name)s.") % {
            "found": ruleset.name,
            "name": name,
        }
        return JsonResponse({"problems": [{"line": ruleset.lines.get("ruleset"), "reason": reason}]})
    return JsonResponse({"problems": []})


def _record_visible(request: HttpRequest, scope: Scope, record: str | None, reference: str) -> bool:
    if record is None or not reference.isdigit():
        return False
    pk = int(reference)
    if record == "customer":
        return customers_visible_to(request.user).filter(pk=pk).exists()
    if record == "lead":
        return leads_visible_to(request.user).filter(pk=pk).exists()
    stores = scope.stores(*("admin", "hq", "store_manager"))
    return Store.objects.filter(pk=pk).exists() and (stores == EVERYWHERE or pk in stores)


@login_required
@require_POST
def rules_dryrun(request: HttpRequest, name: str) -> HttpResponse:
    """What the text being edited decides for typed facts or a real record, rule by rule; changes nothing."""
    scope = _editor(request)
    _versions(name)
    form = DryRunForm(request.POST)
    context: dict[str, Any] = {"name": name}
    if not form.is_valid():
        context["errors"] = [e for errors in form.errors.values() for e in errors]
        return render(request, "studio/rules_dryrun.html", context)
    reference = form.cleaned_data["reference"]
    facts = None if request.POST.get("use") == "record" else form.cleaned_data["facts"]
    try:
        if facts is None:
            kind = api.rules_fact_kind(name)
            if not _record_visible(request, scope, RECORDS.get(kind), reference):
                raise api.NotFound(_("No record %(reference)s to try the rules on.") % {"reference": reference})
            facts = api.rules_facts_of(name, reference)
        rows = facts if isinstance(facts, list) else [facts]
        context["results"] = api.explain_rules(form.cleaned_data["text"], rows)
        for result in context["results"]:
            result["fact_json"] = json.dumps(result["fact"], ensure_ascii=False, default=str)
    except api.RulesRefused as refused:
        context["problems"] = problem_rows(refused)
    except api.InvalidData as err:
        context["errors"] = [
            f"{rule_reasons.fact_place(where)}: {'; '.join(rule_reasons.reason(r) for r in reasons)}"
            for where, reasons in err.errors.items()
        ]
    except api.NotFound as err:
        context["errors"] = [str(err)]
    return render(request, "studio/rules_dryrun.html", context)


@login_required
@require_GET
def rules_records(request: HttpRequest, name: str) -> HttpResponse:
    """Records (within the admin's scope) a dry run can read its facts from, found by a search."""
    scope = _editor(request)
    _versions(name)
    record = RECORDS.get(api.rules_fact_kind(name))
    query = request.GET.get("q", "").strip()[:50]
    found: list[tuple[int, str]] = []
    if query and record in ("customer", "lead"):
        customers = search.matching(customers_visible_to(request.user), search.query_conditions(query))
        if record == "customer":
            found = [(c.pk, c.name) for c in customers[:SEARCH_LIMIT]]
        else:
            leads = (
                leads_visible_to(request.user).filter(customer__in=customers.values("pk")).select_related("customer")
            )
            found = [(lead.pk, f"{lead.customer.name} · {lead.get_source_display()}") for lead in leads[:SEARCH_LIMIT]]
    elif query and record == "store":
        stores = Store.objects.filter(name__icontains=query)
        visible = scope.stores("admin", "hq", "store_manager")
        if visible != EVERYWHERE:
            stores = stores.filter(pk__in=visible)
        found = [(s.pk, s.name) for s in stores[:SEARCH_LIMIT]]
    return render(request, "studio/rules_records.html", {"found": found, "query": query})
