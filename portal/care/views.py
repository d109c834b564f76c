"""The care pages: message templates (admins edit, hq reads), a customer's consent (staff form),
and the SMS gateway's callbacks (delivery receipts and replies). Nothing here sends a message."""

import hmac
import json
import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from engine import api
from portal.crm.scopes import customers_visible_to

from . import placeholders
from .conf import care_settings
from .consent import consent_set, sms_reply_received
from .delivery import receipt_record
from .forms import ConsentForm, TemplateForm
from .models import ConsentVia, MessageTemplate
from .selectors import may_edit_templates, may_read_templates

log = logging.getLogger(__name__)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    if not may_read_templates(request.user):
        raise PermissionDenied(_("Only admins and head office see the message templates."))
    saved = {(t.key, t.language): t for t in MessageTemplate.objects.all()}
    rows = [
        {
            "key": key,
            "label": kind.label,
            "placeholders": kind.placeholders,
            "languages": [(code, name, saved.get((key, code))) for code, name in settings.LANGUAGES],
        }
        for key, kind in placeholders.KINDS.items()
    ]
    return render(request, "care/template_list.html", {"rows": rows, "edit": may_edit_templates(request.user)})


def _sample_values(customer: Any) -> dict[str, str]:
    """What a preview fills in: the customer's real name, store and car, and example values for the rest."""
    car = customer.vehicles.first()
    return {
        "customer_name": customer.name,
        "store_name": customer.home_store.name,
        "car": (car.plate or car.name) if car else _("Toyota Camry"),
        "date": date.isoformat(timezone.localdate()),
        "time": "10:00",
        "order_number": "1024",
        "milestone": _("your car is prepared"),
        "survey_link": "https://example.invalid/s/…",
    }


@login_required
def template_edit(request: HttpRequest, key: str, language: str) -> HttpResponse:
    if key not in placeholders.KINDS or language not in dict(settings.LANGUAGES):
        raise Http404(_("There is no such message template."))
    if not may_read_templates(request.user):
        raise PermissionDenied(_("Only admins and head office see the message templates."))
    template = MessageTemplate.objects.filter(key=key, language=language).first() or MessageTemplate(
        key=key, language=language
    )
    editable = may_edit_templates(request.user)
    form = TemplateForm(request.POST or None, instance=template)
    preview = None
    if request.method == "POST":
        if not editable and "preview" not in request.POST:
            raise PermissionDenied(_("Only admins edit the message templates."))
        if form.is_valid():
            customer_id = form.cleaned_data.get("preview_customer")
            if "preview" in request.POST:
                customer = (
                    customers_visible_to(request.user).select_related("home_store").filter(pk=customer_id).first()
                    if customer_id
                    else None
                )
                if customer_id and customer is None:
                    form.add_error("preview_customer", _("Customer %(id)s does not exist.") % {"id": customer_id})
                else:
                    values = _sample_values(customer) if customer else {}
                    preview = {
                        "subject": placeholders.render(form.cleaned_data["subject"], values),
                        "body": placeholders.render(form.cleaned_data["body"], values),
                    }
            else:
                with transaction.atomic():
                    saved = form.save(commit=False)
                    saved.updated_at, saved.updated_by = api.now(), request.user
                    saved.save()
                messages.success(request, _("The template is saved; messages queued from now on use it."))
                return redirect(reverse("care:templates"))
    kind = placeholders.KINDS[key]
    context = {
        "form": form,
        "kind": kind,
        "key": key,
        "language_name": dict(settings.LANGUAGES)[language],
        "preview": preview,
        "editable": editable,
    }
    return render(request, "care/template_edit.html", context)


@login_required
@require_POST
def customer_consent(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customers_visible_to(request.user).filter(pk=customer_id).first()
    if customer is None:
        raise Http404(_("Customer %(id)s does not exist.") % {"id": customer_id})
    form = ConsentForm(request.POST)
    if form.is_valid():
        consent_set(
            customer=customer,
            channel=form.cleaned_data["channel"],
            allowed=form.cleaned_data["allowed"],
            via=ConsentVia.STAFF_FORM,
            by=request.user,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("The customer's consent is recorded."))
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The consent was not recorded: %(errors)s") % {"errors": errors})
    return redirect(reverse("crm:customer", args=[customer.pk]) + "#care")


# --- the SMS gateway's callbacks (Aliyun's HTTP push format) ---------------------------------


def _hook_allowed(token: str) -> bool:
    expected = str(care_settings().get("HOOK_TOKEN") or "")
    return bool(expected) and hmac.compare_digest(expected.encode(), token.encode())


def _rows(request: HttpRequest) -> list[dict[str, Any]] | None:
    try:
        found = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    rows = found if isinstance(found, list) else [found]
    return [row for row in rows if isinstance(row, dict)] if all(isinstance(r, dict) for r in rows) else None


def _answer(ok: bool, note: str = "") -> JsonResponse:
    # What Aliyun expects back: code 0 when taken (anything else makes it push again later).
    return JsonResponse(
        {"code": 0 if ok else 1, "msg": note or ("ok" if ok else "bad request")}, status=200 if ok else 400
    )


@csrf_exempt
@require_POST
def sms_report(request: HttpRequest, token: str) -> HttpResponse:
    """Delivery receipts: ``[{"biz_id", "success", "err_code", "err_msg", "report_time"}, ...]``."""
    if not _hook_allowed(token):
        raise Http404()
    rows = _rows(request)
    if rows is None:
        return _answer(False, "JSON list of receipts expected")
    for row in rows:
        delivered = row.get("success") in (True, "true", "True", 1)
        error = f"{row.get('err_code', '')}: {row.get('err_msg', '')}".strip(": ")
        receipt_record(provider_id=str(row.get("biz_id", "")), delivered=delivered, error=error)
    return _answer(True)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, token: str) -> HttpResponse:
    """Replies: ``[{"phone_number", "content", ...}, ...]``; "TD" / "退订" from a known number opts out."""
    if not _hook_allowed(token):
        raise Http404()
    rows = _rows(request)
    if rows is None:
        return _answer(False, "JSON list of replies expected")
    for row in rows:
        sms_reply_received(phone=str(row.get("phone_number", "")), text=str(row.get("content", "")))
    return _answer(True)
