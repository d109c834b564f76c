"""The public lead form (rate-limited, with a honeypot) and the CSV/Excel import pages."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.celery import app
from portal.limits import client_address

from ..forms import ImportForm, LeadForm, add_service_errors
from ..models import LeadImport, LeadImportStatus, Source
from ..scopes import may_import_leads, scope_of
from ..services.lead_import import lead_import_queue
from ..services.leads import lead_receive
from .common import crm_view

log = logging.getLogger(__name__)


def _over_rate(request: HttpRequest) -> bool:
    """Fixed window per client address (the client's, behind a proxy), counted in the cache that every web
    process shares (settings.CACHES)."""
    posts, window = settings.LOTFLOW_LEAD_FORM_RATE
    key = f"crm:leadform:{client_address(request)}"
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
    """Upload: the file is checked as a whole here, then a worker receives its rows (see the job's page)."""
    if not may_import_leads(scope_of(request.user)):
        raise PermissionDenied(_("Store managers and hq import leads."))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = lead_import_queue(by=request.user, filename=upload.name, stream=upload)
        except ValidationError as err:
            add_service_errors(form, err)
        else:
            transaction.on_commit(lambda: _queue(job.pk))
            return redirect("crm:lead_import_job", job.pk)
    recent = LeadImport.objects.filter(by_id=request.user.pk).defer("content")[:10]
    return render(request, "crm/lead_import.html", {"form": form, "recent": recent})


def _queue(job_id: int) -> None:
    # By name, through the project's Celery app: the web process never imports the worker package.
    try:
        app.send_task("workers.tasks.import_leads", args=[job_id])
    except Exception as err:  # noqa: BLE001 - the job waits; its page offers to start it again
        log.warning("lead import %s not queued: %s", job_id, err)


@crm_view
def lead_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The import's progress (the page asks again every two seconds until it is done) and its report."""
    job = get_object_or_404(LeadImport.objects.defer("content"), pk=job_id, by_id=request.user.pk)
    if request.method == "POST" and job.status != LeadImportStatus.DONE:
        _queue(job.pk)  # safe to queue twice: a run skips the rows already counted
        messages.info(request, _("The import was queued again."))
        return redirect("crm:lead_import_job", job.pk)
    template = "crm/_lead_import_job.html" if request.headers.get("HX-Request") else "crm/lead_import_job.html"
    return render(request, template, {"job": job, "stale": _stale(job)})


def _stale(job: LeadImport) -> bool:
    """Still waiting five minutes after its upload: no worker took it (offer to queue it again)."""
    return job.status == LeadImportStatus.QUEUED and timezone.now() - job.queued_at > timedelta(minutes=5)
