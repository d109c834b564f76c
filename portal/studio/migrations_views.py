"""Migrating running instances: choose a process and two of its versions, read the dry run, then
move every instance that can (admins only, with a reason); the result page shows what happened
to each instance.

The dry run lists every running instance of the source version, so it is for those who see every
instance (admins and hq); anyone else gets a 404. The form carries a batch id made when the dry
run was shown: submitting it twice finds the batch already run and only shows its result.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from engine import api
from portal.crm.scopes import EVERYWHERE, Scope, scope_of

from .access import instance_stores, may_edit


def _may_read(scope: Scope) -> bool:
    return instance_stores(scope) == EVERYWHERE


def _versions() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for process_id, version in api.Deployment.objects.order_by("process_id", "version").values_list(
        "process_id", "version"
    ):
        found.setdefault(process_id, []).append(version)
    return found


class ChoiceForm(forms.Form):
    process = forms.ChoiceField(label=gettext_lazy("Process"))
    source = forms.TypedChoiceField(coerce=int, label=gettext_lazy("From version"))
    target = forms.TypedChoiceField(coerce=int, label=gettext_lazy("To version"))

    def __init__(self, *args: Any, versions: dict[str, list[int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = versions
        names = api.process_names(set(versions))
        fields: dict[str, Any] = self.fields
        fields["process"].choices = [(p, names.get(p, p)) for p in sorted(versions, key=lambda p: names.get(p, p))]
        every = sorted({v for vs in versions.values() for v in vs})
        choices = [(v, _("version %(version)s") % {"version": v}) for v in every]
        fields["source"].choices = choices
        fields["target"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        process, source, target = data.get("process"), data.get("source"), data.get("target")
        if process and source is not None and target is not None:
            known = self.versions.get(process, [])
            for field, version in (("source", source), ("target", target)):
                if version not in known:
                    self.add_error(field, _("This process has no version %(version)s.") % {"version": version})
            if source == target:
                self.add_error("target", _("Choose a version other than the one they run on."))
        return data


class MoveForm(forms.Form):
    process = forms.CharField()
    source = forms.IntegerField()
    target = forms.IntegerField()
    batch = forms.RegexField(regex=r"^[0-9a-f]{32}$")
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Kept in the audit trail of every instance, with your name."),
        error_messages={"required": gettext_lazy("Give a reason: it is kept in the audit trail.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def migrate(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not _may_read(scope):
        raise Http404(_("No such page."))
    if request.method == "POST":
        return _move(request, scope)
    versions = _versions()
    choice = ChoiceForm(request.GET or None, versions=versions)
    context: dict[str, Any] = {"choice": choice, "may_move": may_edit(scope), "plan": None}
    if request.GET and choice.is_valid():
        data = choice.cleaned_data
        context["plan"] = _plan_rows(
            api.migration_dry_run(data["process"], from_version=data["source"], to_version=data["target"])
        )
        context["move"] = MoveForm(
            initial={
                "process": data["process"],
                "source": data["source"],
                "target": data["target"],
                "batch": uuid.uuid4().hex,
            }
        )
        names = api.process_names({data["process"]})
        context["process_name"] = names.get(data["process"], data["process"])
    return render(request, "studio/migrate.html", context, status=400 if choice.errors else 200)


def _move(request: HttpRequest, scope: Scope) -> HttpResponse:
    if not may_edit(scope):
        raise Http404(_("No such page."))
    form = MoveForm(request.POST)
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("Nothing was moved: %(problems)s") % {"problems": problems})
        back = {k: request.POST.get(k, "") for k in ("process", "source", "target")}
        return redirect(f"{request.path}?process={back['process']}&source={back['source']}&target={back['target']}")
    data = form.cleaned_data
    try:
        plan = api.migrate_instances(
            data["process"],
            from_version=data["source"],
            to_version=data["target"],
            reason=data["reason"],
            user=request.user,
            batch=data["batch"],
        )
    except api.EngineError as err:
        messages.error(request, _("Nothing was moved: %(problems)s") % {"problems": err})
        return redirect(request.path)
    moved = sum(1 for v in plan.verdicts if v.outcome == "moved")
    messages.success(
        request, _("%(moved)s of %(count)s instances moved.") % {"moved": moved, "count": len(plan.verdicts)}
    )
    return redirect("studio:migrate_run", batch=plan.batch)


@login_required
@require_GET
def migrate_run(request: HttpRequest, batch: str) -> HttpResponse:
    if not _may_read(scope_of(request.user)):
        raise Http404(_("No such page."))
    plan = api.migration_results(batch)
    if not plan.verdicts:
        raise Http404(_("No such migration."))
    names = api.process_names({plan.process_id})
    context = {"plan": _plan_rows(plan), "process_name": names.get(plan.process_id, plan.process_id)}
    return render(request, "studio/migrate_run.html", context)


def _plan_rows(plan: Any) -> dict[str, Any]:
    rows = [
        {
            "instance_id": v.instance_id,
            "business_key": v.business_key,
            "waiting": [v.labels.get(e, e) for e in v.waiting],
            "reopened": [v.labels.get(e, e) for e in v.reopened],
            "reasons": v.reasons,
            "movable": v.movable,
            "outcome": v.outcome,
        }
        for v in plan.verdicts
    ]
    return {
        "process_id": plan.process_id,
        "source": plan.source_version,
        "target": plan.target_version,
        "rows": rows,
        "movable": sum(1 for r in rows if r["movable"]),
        "moved": sum(1 for r in rows if r["outcome"] == "moved"),
    }
