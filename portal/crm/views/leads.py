"""The public lead form (rate-limited, with a honeypot) and the CSV/Excel import page."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..forms import ImportForm, LeadForm, add_service_errors
from ..models import Source
from ..scopes import may_import_leads, scope_of
from ..services.leads import lead_receive, leads_import
from .common import crm_view


def _over_rate(request: HttpRequest) -> bool:
    """Fixed window per client address, counted in the cache (shared between processes when the
    cache is; the default local-memory cache counts per process)."""
    posts, window = settings.LOTFLOW_LEAD_FORM_RATE
    key = f"crm:leadform:{request.META.get('REMOTE_ADDR', '?')}"
    if cache.add(key, 1, timeout=window):
        return False
    try:
        return cache.incr(key) > posts
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return False


def lead_form(request: HttpRequest) -> HttpResponse:
    """Public: no sign-in. A filled honeypot gets the same thank-you page and stores nothing."""
    form = LeadForm(request.POST or None)
    if request.method == "POST":
        if _over_rate(request):
            return render(request, "crm/lead_form.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            if form.cleaned_data["website"]:
                return render(request, "crm/lead_thanks.html")
            data = form.cleaned_data
            try:
                lead_receive(
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    channel="web_form",
                    source=Source.WEBSITE,
                    sub_channel="lead form",
                    note=data["interest"],
                    store=data["store"],
                    received={k: v for k, v in data.items() if k not in ("website", "store")},
                )
            except ValidationError as err:
                add_service_errors(form, err)
            else:
                return render(request, "crm/lead_thanks.html")
    return render(request, "crm/lead_form.html", {"form": form})


@crm_view
def lead_import(request: HttpRequest) -> HttpResponse:
    if not may_import_leads(scope_of(request.user)):
        raise PermissionDenied(_("Store managers and hq import leads."))
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = leads_import(by=request.user, filename=upload.name, stream=upload)
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            messages.success(
                request,
                _("New prospects: %(created)s; merged into existing customers: %(merged)s; rows refused: %(refused)s.")
                % {"created": report.created, "merged": report.merged, "refused": len(report.errors)},
            )
    return render(request, "crm/lead_import.html", {"form": form, "report": report})
