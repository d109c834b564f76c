"""The modeler: admins draw a process in bpmn-js, check it with the deploy's own validator, and deploy it.

Nothing is stored until the whole file passes ``engine.api.check_sources``; a deploy names the version
the page was opened from, and is refused when someone deployed a newer one since (with who, when and
what changed), so the second of two admins never silently replaces the first's work.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from lxml import etree

from engine import api
from portal.crm.models import Role
from portal.crm.scopes import scope_of
from portal.ui.templatetags.lotflow import person, when

from .access import may_edit
from .modeler_texts import panel_texts

# A drawing with its forms is a few hundred KB at most; anything near this is not a process.
MAX_BODY_BYTES = 2 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.json$")
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
# Parses text posted by an admin: no entities, no network, no huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _admin(request: HttpRequest) -> None:
    """Only admins edit; to everyone else the modeler does not exist."""
    if not may_edit(scope_of(request.user)):
        raise Http404(_("No such page."))


def _deployment(process_id: str, version: int) -> Any:
    row = api.Deployment.objects.filter(process_id=process_id, version=version).first()
    if row is None:
        raise Http404(_("No such version of this process."))
    return row


@login_required
def modeler(request: HttpRequest, process_id: str, version: int) -> HttpResponse:
    _admin(request)
    if version == 0:
        if api.Deployment.objects.filter(process_id=process_id).exists() or not PROCESS_ID.match(process_id):
            raise Http404(_("No such version of this process."))
        name = request.GET.get("name", "").strip()[:200] or process_id
        xml = render_to_string("studio/new_process.bpmn", {"process_id": process_id, "name": name})
        bpmn_file, forms, dmn_files = f"{process_id}.bpmn", {}, {}
    else:
        row = _deployment(process_id, version)
        xml, bpmn_file, forms, dmn_files = row.bpmn_xml, row.bpmn_file, row.forms, row.dmn_files
        name = api.process_names({process_id}).get(process_id) or row.name or process_id
    newest = api.Deployment.objects.filter(process_id=process_id).order_by("-version").first()
    args = [process_id, version]
    data = {
        "processId": process_id,
        "version": version,
        "file": bpmn_file,
        "xml": xml,
        "forms": forms,
        "services": api.registered_services(),
        "processes": _deployed_processes(),
        "decisions": _decisions(dmn_files),
        "roles": [{"value": value, "label": str(label)} for value, label in Role.choices],
        "languages": [code for code, _name in settings.LANGUAGES],
        "languageNames": dict(settings.LANGUAGES),
        "urls": {
            "check": reverse("studio:modeler_check", args=args),
            "deploy": reverse("studio:modeler_deploy", args=args),
            "preview": reverse("studio:modeler_preview"),
        },
    }
    return render(
        request,
        "studio/modeler.html",
        {
            "process_id": process_id,
            "name": name,
            "version": version,
            "newest": newest if newest is not None and newest.version > version else None,
            "data": data,
            "texts": panel_texts(),
        },
    )


def _deployed_processes() -> list[dict[str, str]]:
    ids = set(api.Deployment.objects.values_list("process_id", flat=True))
    names = api.process_names(ids)
    return [{"value": pid, "label": f"{names.get(pid, pid)} ({pid})"} for pid in sorted(ids)]


def _decisions(dmn_files: dict[str, str]) -> list[dict[str, str]]:
    decisions = []
    for file, text in sorted(dmn_files.items()):
        try:
            root = etree.fromstring(text.encode(), _PARSER)
        except etree.XMLSyntaxError:
            continue
        for node in root.iter("{*}decision"):
            decisions.append({"value": node.get("id", ""), "label": f"{node.get('name') or node.get('id')} ({file})"})
    return decisions


@login_required
def process_new(request: HttpRequest) -> HttpResponse:
    """Create a process from the template: choose its id and name, then draw it in the modeler."""
    _admin(request)
    error, values = "", {"process_id": "", "name": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        if not PROCESS_ID.match(values["process_id"]):
            error = _("A process id is a letter followed by letters, digits or underscores (lead_to_cash).")
        elif api.Deployment.objects.filter(process_id=values["process_id"]).exists():
            error = _("A process with the id %(id)s is already deployed; open it from its page.") % {
                "id": values["process_id"]
            }
        else:
            url = reverse("studio:modeler", args=[values["process_id"], 0])
            return redirect(f"{url}?{_query(name=values['name'])}")
    return render(request, "studio/modeler_new.html", {"error": error, "values": values})


def _query(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


class _Refused(Exception):
    def __init__(self, reason: str, status: int = 400):
        self.reason = reason
        self.status = status


def _posted(request: HttpRequest) -> dict[str, Any]:
    """The posted drawing: {"xml": text, "forms": {file name: schema}, "comment": text}, checked for size and shape."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        raise _Refused(
            _("The drawing is too large (%(size)s KB; at most %(max)s KB).")
            % {"size": length // 1024, "max": MAX_BODY_BYTES // 1024},
            413,
        )
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _Refused(_("The page sent something that is not a drawing; reload the page and try again.")) from err
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
        raise _Refused(_("The page sent something that is not a drawing; reload the page and try again."))
    forms = body.get("forms") or {}
    if not isinstance(forms, dict):
        raise _Refused(_("The page sent something that is not a drawing; reload the page and try again."))
    for name, schema in forms.items():
        if not FORM_NAME.match(name) or not isinstance(schema, dict):
            raise _Refused(
                _("Form file name %(name)s is not allowed: use letters, digits, - and _ and end in .json.")
                % {"name": name}
            )
    comment = body.get("comment") or ""
    return {"xml": body["xml"], "forms": forms, "comment": str(comment).strip()[:500]}


def _xml_problem(xml: str, process_id: str, file: str) -> dict[str, str] | None:
    """What the engine's validator would report less clearly: a file that is no BPMN, or another process."""
    try:
        root = etree.fromstring(xml.encode(), _PARSER)
    except etree.XMLSyntaxError as err:
        return {"file": file, "element": "", "reason": _("This is not XML: %(error)s") % {"error": err.msg}}
    if root.tag != f"{{{BPMN_NS}}}definitions":
        return {"file": file, "element": "", "reason": _("This XML is not a BPMN 2.0 file (bpmn:definitions).")}
    ids = {node.get("id") for node in root.iter(f"{{{BPMN_NS}}}process") if node.get("isExecutable") != "false"}
    if process_id not in ids:
        return {
            "file": file,
            "element": "",
            "reason": _("The drawing has no executable process with the id %(id)s; keep the process id as it was.")
            % {"id": process_id},
        }
    return None


def _sources(base: Any, process_id: str, posted: dict[str, Any]) -> list[api.Source]:
    bpmn_file = base.bpmn_file if base is not None else f"{process_id}.bpmn"
    sources = [api.Source(bpmn_file, posted["xml"])]
    for name, schema in sorted(posted["forms"].items()):
        sources.append(api.Source(name, json.dumps(schema, ensure_ascii=False, indent=2)))
    for name, text in sorted((base.dmn_files if base is not None else {}).items()):
        sources.append(api.Source(name, text))
    return sources


def _problems(problems: list[Any]) -> list[dict[str, str]]:
    return [{"file": p.file, "element": p.element, "reason": p.reason} for p in problems]


def _base(process_id: str, version: int) -> Any:
    return None if version == 0 else _deployment(process_id, version)


def _refusal(err: _Refused) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "problems": [{"file": "", "element": "", "reason": err.reason}]}, status=err.status
    )


def _drawing(
    request: HttpRequest, process_id: str, version: int
) -> tuple[Any, dict[str, Any], list[api.Source], dict[str, str] | None] | JsonResponse:
    """What check and deploy both read first: admins only, the version edited, the posted drawing as sources,
    and a problem that stops before the validator (not XML, not this process); a refused post as its answer."""
    _admin(request)
    base = _base(process_id, version)
    try:
        posted = _posted(request)
    except _Refused as err:
        return _refusal(err)
    sources = _sources(base, process_id, posted)
    return base, posted, sources, _xml_problem(posted["xml"], process_id, sources[0].name)


@login_required
@require_POST
def modeler_check(request: HttpRequest, process_id: str, version: int) -> HttpResponse:
    """Run the deploy's checks on the drawing without storing anything."""
    drawing = _drawing(request, process_id, version)
    if isinstance(drawing, JsonResponse):
        return drawing
    _base_row, _posted_data, sources, early = drawing
    problems = [early] if early else _problems(api.check_sources(sources))
    return JsonResponse({"ok": not problems, "problems": problems})


@login_required
@require_POST
def modeler_deploy(request: HttpRequest, process_id: str, version: int) -> HttpResponse:
    """Check, then store the drawing as the next version; running instances keep theirs."""
    drawing = _drawing(request, process_id, version)
    if isinstance(drawing, JsonResponse):
        return drawing
    base, posted, sources, early = drawing
    if early:
        return JsonResponse({"ok": False, "problems": [early]}, status=400)
    try:
        deployed = api.deploy_edit(
            sources, process_id=process_id, base_version=version, user=request.user, comment=posted["comment"]
        )
    except api.NewerVersion as err:
        return JsonResponse({"ok": False, "conflict": _conflict(err, base)}, status=409)
    except api.DeploymentRefused as err:
        return JsonResponse({"ok": False, "problems": _problems(err.problems)}, status=400)
    except api.Conflict as err:
        return JsonResponse({"ok": False, "problems": [{"file": "", "element": "", "reason": str(err)}]}, status=409)
    if deployed.unchanged:
        message = _("Version %(version)s already holds this drawing; nothing new was deployed.")
    else:
        message = _("Deployed as version %(version)s. Running instances keep their version.")
    return JsonResponse(
        {
            "ok": True,
            "version": deployed.version,
            "unchanged": deployed.unchanged,
            "message": message % {"version": deployed.version},
            "modeler": reverse("studio:modeler", args=[process_id, deployed.version]),
            "urls": {
                "check": reverse("studio:modeler_check", args=[process_id, deployed.version]),
                "deploy": reverse("studio:modeler_deploy", args=[process_id, deployed.version]),
            },
        }
    )


def _conflict(err: Any, base: Any) -> dict[str, Any]:
    live = err.live
    changes = element_changes(base.bpmn_xml if base is not None else "", live.bpmn_xml)
    return {
        "message": _(
            "%(who)s deployed version %(version)s on %(when)s, after the version %(base)s you opened. "
            "Your drawing is kept on this page: open the new version, redo your change there, and deploy again."
        )
        % {
            "who": person(live.deployed_by),
            "version": live.version,
            "when": when(live.deployed_at),
            "base": err.base_version,
        },
        "version": live.version,
        "changes": changes,
    }


def element_changes(old_xml: str, new_xml: str) -> dict[str, list[str]]:
    """Element ids added, removed and changed from ``old_xml`` to ``new_xml`` (diagram layout aside)."""
    old, new = _signatures(old_xml), _signatures(new_xml)
    return {
        "added": sorted(new.keys() - old.keys()),
        "removed": sorted(old.keys() - new.keys()),
        "changed": sorted(k for k in old.keys() & new.keys() if old[k] != new[k]),
    }


def _signatures(xml: str) -> dict[str, str]:
    """id -> what the element says itself (tag, attributes, children without ids: extensions,
    conditions, timers, flow references), so a change inside a lane is not a change of the lane."""
    if not xml:
        return {}
    try:
        root = etree.fromstring(xml.encode(), _PARSER)
    except etree.XMLSyntaxError:
        return {}
    signatures = {}
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = node.get("id")
        if not element_id or node.tag == f"{{{BPMN_NS}}}definitions":
            continue
        own = [etree.tostring(child) for child in node if not (isinstance(child.tag, str) and child.get("id"))]
        signatures[element_id] = repr((node.tag, sorted(node.attrib.items()), own))
    return signatures


@login_required
@require_POST
def modeler_preview(request: HttpRequest) -> HttpResponse:
    """Instructions (Markdown) as the task page shows them, for the panel's preview."""
    _admin(request)
    import markdown
    import nh3

    text = request.POST.get("text", "")[:20000]
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return HttpResponse(nh3.clean(html, url_schemes={"http", "https", "mailto", "tel"}))
