"""The incidents page: automatic steps that failed, across processes; admins retry or cancel them.

hq and admins read every incident, store managers those of their stores' instances; only admins
act (anyone else's POST is a 404, as for a record out of scope). Each action needs a reason and is
audited by the engine with who, when and why.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from engine import api
from portal.crm.scopes import scope_of

from .access import instance_stores, may_edit, may_view_processes


class IncidentActionForm(forms.Form):
    incidents = forms.TypedMultipleChoiceField(coerce=int, required=False, label=gettext_lazy("Incidents"))
    act = forms.ChoiceField(choices=[("retry", "retry"), ("cancel", "cancel")], widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Kept in the audit trail with your name."),
        error_messages={"required": gettext_lazy("Give a reason: it is kept in the audit trail.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id may be sent: one resolved meanwhile is reported by number, not refused as a bad choice.
        self.fields["incidents"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("incidents"):
            self.add_error("incidents", _("Tick the incidents to act on."))
        return data


def _stores(request: HttpRequest) -> set[int] | None:
    stores = instance_stores(scope_of(request.user))
    return None if isinstance(stores, str) else set(stores)  # a str is EVERYWHERE


@login_required
@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not may_view_processes(scope):
        raise Http404(_("No such page."))
    process_id = request.GET.get("process", "")
    form = IncidentActionForm(request.POST or None)
    if request.method == "POST":
        if not may_edit(scope):
            raise Http404(_("No such page."))
        if form.is_valid():
            _act(request, form.cleaned_data)
            return redirect(request.get_full_path())
        messages.error(request, _("Nothing was done: %(problems)s") % {"problems": _problems(form)})
    stores = _stores(request)
    rows = api.incident_rows(process_id=process_id, stores=stores)
    every = api.incident_rows(stores=stores)
    processes = sorted({r["process_id"] for r in every})
    names = api.process_names(set(processes))
    for row in rows:
        row["process"] = names.get(row["process_id"], row["process_id"])
    context = {
        "rows": rows,
        "processes": [(p, names.get(p, p)) for p in processes],
        "process_id": process_id,
        "form": form,
        "may_act": may_edit(scope),
        "action": reverse("studio:incidents") + (f"?process={process_id}" if process_id else ""),
    }
    return render(request, "studio/incidents.html", context, status=400 if form.errors else 200)


def _act(request: HttpRequest, data: dict[str, Any]) -> None:
    ids, reason = data["incidents"], data["reason"]
    stores = _stores(request)
    if stores is not None:  # an admin of some stores acts only on their instances
        visible = {r["id"] for r in api.incident_rows(stores=stores, open_only=False)}
        ids = [i for i in ids if i in visible]
    if data["act"] == "retry":
        outcomes = api.incidents_retry(ids, user=request.user, reason=reason)
    else:
        outcomes = api.incidents_cancel(ids, user=request.user, reason=reason)
    for outcome in outcomes:
        number = {"id": outcome.incident_id, "instance": outcome.instance_id}
        if not outcome.done:
            messages.error(request, _("Incident %(id)s: nothing done. %(error)s") % {**number, "error": outcome.error})
        elif data["act"] == "cancel":
            messages.success(request, _("Incident %(id)s: instance %(instance)s was cancelled.") % number)
        elif outcome.status == "resolved":
            messages.success(request, _("Incident %(id)s: the step ran again and succeeded.") % number)
        else:
            messages.warning(
                request, _("Incident %(id)s: the step failed again. %(error)s") % {**number, "error": outcome.error}
            )


def _problems(form: IncidentActionForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
