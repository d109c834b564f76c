"""The processes pages: every process and its versions, one version's diagram with its numbers, a
download, a comparison of two versions, a roll back, the instances behind a number, one instance,
and the diagram of a staff member's task.

Who may see what is portal/studio/access.py; anything else answers 404, POSTs included.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from engine import api
from portal.crm.models import Store
from portal.crm.scopes import Scope, scope_of

from . import access
from .labels import CHANGES, INCIDENT_STATUSES, STATUSES, duration, kind_label
from .pages import diagram_xml, instance_page

View = Callable[..., HttpResponse]


def reader(view: View) -> View:
    """Signed in and allowed to read processes (admin, hq, store manager); 404 for anyone else."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = scope_of(request.user)
        if not access.may_view_processes(scope):
            raise Http404
        request.studio_scope = scope  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except api.NotFound as err:
            raise Http404(str(err)) from err

    return wrapper


def _scope(request: HttpRequest) -> Scope:
    return request.studio_scope  # type: ignore[attr-defined,no-any-return]


def _stores(scope: Scope) -> set[int] | None:
    """The stores whose instances the reader counts: None for every store."""
    stores = access.instance_stores(scope)
    return None if isinstance(stores, str) else set(stores)


def _version_url(process_id: str, version: int) -> str:
    return reverse("studio:process", args=[process_id, version])


@require_GET
@reader
def processes(request: HttpRequest) -> HttpResponse:
    rows = api.process_versions(stores=_stores(_scope(request)))
    return render(request, "studio/processes.html", {"processes": rows, "tab": "processes"})


@require_GET
@reader
def process_live(request: HttpRequest, process_id: str) -> HttpResponse:
    versions = api.version_numbers(process_id)
    if not versions:
        raise Http404
    return redirect(_version_url(process_id, versions[0]))


@require_GET
@reader
def process(request: HttpRequest, process_id: str, version: int) -> HttpResponse:
    scope = _scope(request)
    summary = api.version_summary(process_id, version)
    stats = api.element_stats(process_id, stores=_stores(scope), version=version)
    names = api.element_names(process_id, version)
    instances_url = reverse("studio:instances", args=[process_id])

    def link(element: str, what: str) -> str:
        return f"{instances_url}?{urlencode({'version': str(version), 'element': element, 'what': what})}"

    rows, badges = [], []
    for element, numbers in sorted(stats.items(), key=lambda e: (-e[1]["waiting"], names.get(e[0], e[0]))):
        row = {
            "element": element,
            "name": names.get(element, element),
            **numbers,
            "average": duration(numbers["average_seconds"]) if numbers["average_seconds"] is not None else "",
            "waiting_url": link(element, "waiting"),
            "done_url": link(element, "done"),
            "incidents_url": link(element, "incidents"),
        }
        rows.append(row)
        items = []
        if numbers["waiting"]:
            text = ngettext("%(n)s waiting", "%(n)s waiting", numbers["waiting"]) % {"n": numbers["waiting"]}
            items.append({"kind": "waiting", "text": text, "href": row["waiting_url"]})
        if row["average"]:
            title = _("Average time spent here, over %(n)s done") % {"n": numbers["done"]}
            items.append({"kind": "time", "text": f"⌀ {row['average']}", "href": row["done_url"], "title": title})
        if numbers["incidents"]:
            text = ngettext("%(n)s incident", "%(n)s incidents", numbers["incidents"]) % {"n": numbers["incidents"]}
            items.append({"kind": "incidents", "text": text, "href": row["incidents_url"]})
        if items:
            badges.append({"element": element, "items": items})
    diagram = {
        "xml": diagram_xml(process_id, version),
        "markers": {"incident": [r["element"] for r in rows if r["incidents"]]},
        "badges": badges,
        "failed": _("The diagram cannot be shown."),
    }
    return render(
        request,
        "studio/process.html",
        {
            "tab": "processes",
            "summary": summary,
            "rows": rows,
            "diagram": diagram,
            "may_roll_back": access.may_edit(scope) and not summary["live"],
            "compare_with": _compare_partner(summary),
        },
    )


def _compare_partner(summary: dict[str, Any]) -> int | None:
    """The version this one is best compared with: the one before it, or the live one for the oldest."""
    older = [v for v in summary["versions"] if v < summary["version"]]
    if older:
        return max(older)
    newer = [v for v in summary["versions"] if v > summary["version"]]
    return min(newer) if newer else None


@require_GET
@reader
def download(request: HttpRequest, process_id: str, version: int) -> HttpResponse:
    """The version's files as a zip laid out for ``manage.py deploy``; ?part=bpmn for the BPMN alone."""
    if request.GET.get("part") == "bpmn":
        summary = api.version_summary(process_id, version)
        response = HttpResponse(api.version_xml(process_id, version), content_type="application/xml; charset=utf-8")
        name = summary["file"]
    else:
        name, data = api.version_archive(process_id, version)
        response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@reader
def compare(request: HttpRequest, process_id: str) -> HttpResponse:
    versions = api.version_numbers(process_id)
    if not versions:
        raise Http404
    try:
        new = int(request.GET.get("new") or versions[0])
        old = int(request.GET.get("old") or (versions[1] if len(versions) > 1 else versions[0]))
    except ValueError as err:
        raise Http404 from err
    problem = ""
    diff = None
    if old not in versions or new not in versions:
        raise Http404
    try:
        diff = api.compare_versions(process_id, old, new)
    except api.InvalidData as err:
        problem = "; ".join(m for messages_ in err.errors.values() for m in messages_)
    context: dict[str, Any] = {
        "tab": "processes",
        "process_id": process_id,
        "summary": api.version_summary(process_id, new),
        "versions": versions,
        "old": old,
        "new": new,
        "problem": problem,
        "old_legend": ["removed", "changed"],
        "new_legend": ["added", "changed"],
    }
    if diff is not None:
        old_names, new_names = api.element_names(process_id, old), api.element_names(process_id, new)
        context["changes"] = _change_rows(diff, old_names, new_names)
        changed = [c["id"] for c in diff["changed"]]
        failed = _("The diagram cannot be shown.")
        context["old_diagram"] = {
            "xml": diagram_xml(process_id, old),
            "markers": {"removed": [e["id"] for e in diff["removed"]], "changed": changed},
            "failed": failed,
        }
        context["new_diagram"] = {
            "xml": diagram_xml(process_id, new),
            "markers": {"added": [e["id"] for e in diff["added"]], "changed": changed},
            "failed": failed,
        }
    return render(request, "studio/compare.html", context)


def _change_rows(diff: dict[str, Any], old_names: dict[str, str], new_names: dict[str, str]) -> list[dict]:
    rows = []
    for kind, label, entries, names in (
        ("added", _("Added"), diff["added"], new_names),
        ("removed", _("Removed"), diff["removed"], old_names),
        ("changed", _("Changed"), diff["changed"], new_names),
    ):
        for entry in entries:
            rows.append(
                {
                    "kind": kind,
                    "label": label,
                    "id": entry["id"],
                    "name": names.get(entry["id"]) or entry["name"] or entry["id"],
                    "type": kind_label(entry["type"]),
                    "changes": [
                        {
                            "what": str(CHANGES.get(c["what"], c["what"])),
                            "key": c["key"],
                            "old": kind_label(c["old"]) if c["what"] == "type" else c["old"],
                            "new": kind_label(c["new"]) if c["what"] == "type" else c["new"],
                            "fields_changed": c.get("fields_changed", ""),
                            "is_form": c["what"] == "form",
                        }
                        for c in entry.get("changes", [])
                    ],
                }
            )
    return rows


@require_POST
@reader
def rollback(request: HttpRequest, process_id: str, version: int) -> HttpResponse:
    """Admins only (404 to everyone else, nothing written): the version's files become the newest version."""
    if not access.may_edit(_scope(request)):
        raise Http404
    try:
        new = api.rollback(process_id, version, user=request.user, reason=request.POST.get("reason", ""))
    except (api.InvalidData, api.Conflict) as err:
        reasons = err.errors.values() if isinstance(err, api.InvalidData) else [[str(err)]]
        messages.error(request, "; ".join(m for each in reasons for m in each))
        return redirect(_version_url(process_id, version))
    messages.success(
        request,
        _("Version %(old)s is live again as version %(new)s. Running instances keep their versions.")
        % {"old": version, "new": new},
    )
    return redirect(_version_url(process_id, new))


FILTER_LABELS = {
    "waiting": lambda name: _("Waiting at %(step)s") % {"step": name},
    "done": lambda name: _("Went through %(step)s") % {"step": name},
    "incidents": lambda name: _("Open incidents at %(step)s") % {"step": name},
}


@require_GET
@reader
def instances(request: HttpRequest, process_id: str) -> HttpResponse:
    """The instances behind a number of the process page, in the reader's stores."""
    scope = _scope(request)
    versions = api.version_numbers(process_id)
    if not versions:
        raise Http404
    version = request.GET.get("version", "")
    version_number = int(version) if version.isdigit() and int(version) in versions else None
    what = request.GET.get("what", "")
    what = what if what in api.INSTANCE_FILTERS else ""
    element = request.GET.get("element", "")[:200]
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    rows = api.instances_of(
        process_id, stores=_stores(scope), version=version_number, element_id=element, what=what, status=status
    )
    names = api.element_names(process_id, version_number or versions[0])
    waits = api.instance_waits([r.pk for r in rows])
    stores = dict(Store.objects.filter(pk__in={r.store_id for r in rows if r.store_id}).values_list("pk", "name"))
    listed = [
        {
            "id": r.pk,
            "business_key": r.business_key,
            "store": stores.get(r.store_id, "") if r.store_id else _("Group-wide"),
            "version": r.deployment.version,
            "status": STATUSES.get(r.status, r.status),
            "started_at": r.started_at,
            "waits": [names.get(e, e) for e in waits.get(r.pk, [])],
        }
        for r in rows
    ]
    title = FILTER_LABELS[what](names.get(element, element)) if what and element else ""
    return render(
        request,
        "studio/instances.html",
        {
            "tab": "processes",
            "process_id": process_id,
            "process_name": api.process_names({process_id}).get(process_id, process_id),
            "version": version_number,
            "filter_title": title,
            "instances": listed,
            "limit_reached": len(rows) >= 200,
        },
    )


@require_GET
@reader
def instance(request: HttpRequest, instance_id: int) -> HttpResponse:
    """One instance: where it waits, its history, timers, incidents and data (its store's managers, hq, admin)."""
    page = instance_page(instance_id, _scope(request))
    if page is None:
        raise Http404
    page["tab"] = "processes"
    page["incident_statuses"] = INCIDENT_STATUSES
    return render(request, "studio/instance.html", page)


@require_GET
@login_required
def item_diagram(request: HttpRequest, item_id: int) -> JsonResponse:
    """The diagram of a work item's process for whoever may see the item: their step and the steps done,
    by element id only (no process data)."""
    try:
        item = api.item_visible_to(item_id, request.user)
        if item.instance_id is None:
            raise Http404
        shown = api.instance_diagram(item.instance_id)
        xml = diagram_xml(shown["process_id"], shown["version"])
    except api.NotFound as err:
        raise Http404(str(err)) from err
    if item.status != api.ItemStatus.OPEN:  # a step already done is shown among the steps done
        return JsonResponse({"xml": xml, "markers": {"waiting": [], "done": sorted({*shown["done"], item.element_id})}})
    done = [e for e in shown["done"] if e != item.element_id]
    return JsonResponse({"xml": xml, "markers": {"waiting": [item.element_id], "done": done}})
