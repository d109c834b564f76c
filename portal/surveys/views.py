"""The customer's survey page (public, by signed link, rate-limited), the staff's call page, and the admins'
questionnaire pages. Thin: ``links`` reads the link, ``services`` stores the answers, ``design`` the versions."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.crm.models import ReturnVisit
from portal.crm.scopes import customers_visible_to, return_visits_visible_to
from portal.limits import client_address

from . import services
from .forms import SurveyForm
from .links import LinkRefused, invitation_for
from .models import AnsweredBy, Invitation, Reason


def _over_rate(request: HttpRequest) -> bool:
    """Fixed window per client address, counted in the cache every web process shares (as the lead form)."""
    posts, window = settings.LOTFLOW_SURVEY_FORM_RATE
    key = f"surveys:answer:{client_address(request)}"
    if cache.add(key, 1, timeout=window):
        return False
    try:
        return cache.incr(key) > posts
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return False


def _customer_language(request: HttpRequest, invitation: Invitation | None) -> str:
    """The visitor's own choice (the language cookie) first, else the invitation's (Chinese by default)."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or invitation is None:
        return translation.get_language()
    return invitation.language or settings.LANGUAGE_CODE


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """Public: no sign-in. A refused link (altered, expired, answered) gets a page that says which."""
    try:
        invitation = invitation_for(token)
    except LinkRefused as refused:
        return render(
            request,
            "surveys/refused.html",
            {"reason": refused.reason},
            status=410 if refused.reason != "tampered" else 404,
        )
    with translation.override(_customer_language(request, invitation)):
        form = SurveyForm(invitation.questionnaire, request.POST if request.method == "POST" else None)
        context: dict[str, Any] = {"invitation": invitation, "form": form, "q": invitation.questionnaire}
        if request.method == "POST":
            if _over_rate(request):
                context["limited"] = True
                return render(request, "surveys/answer.html", context, status=429)
            if form.is_valid():
                try:
                    services.response_record(invitation_id=invitation.pk, answers=form.answers())
                except services.AlreadyAnswered:
                    return render(request, "surveys/refused.html", {"reason": "used"}, status=410)
                return render(request, "surveys/thanks.html", context)
            context["problem"] = True
        return render(request, "surveys/answer.html", context, status=400 if context.get("problem") else 200)


@login_required
@require_http_methods(["GET", "POST"])
def visit_fill(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Staff fill in the survey during a return-visit call (the delivery questionnaire)."""
    visit = get_object_or_404(return_visits_visible_to(request.user), pk=visit_id)
    invitation = services.invitation_for_visit(visit_id=visit.pk)
    return _staff_fill(request, invitation, visit=visit)


@login_required
@require_http_methods(["GET", "POST"])
def customer_fill(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Staff fill in a survey with the customer on the phone, from the customer's page."""
    customer = get_object_or_404(customers_visible_to(request.user), pk=customer_id)
    reason = request.GET.get("reason", "")
    if reason not in Reason.values:
        return render(request, "surveys/choose_reason.html", {"customer": customer, "reasons": Reason.choices})
    draft = Invitation(customer=customer, reason=reason, store=customer.home_store)
    try:
        draft.questionnaire = services.questionnaire_for(reason)
    except services.NoQuestionnaire:
        return _staff_fill(request, None)
    # The invitation is made only with valid answers: a refused post leaves nothing behind.
    if request.method == "POST" and SurveyForm(draft.questionnaire, request.POST).is_valid():
        invitation = services.invitation_for_call(customer_id=customer.pk, reason=reason, by=request.user)
        return _staff_fill(request, invitation)
    return _staff_fill(request, draft)


def _staff_fill(request: HttpRequest, invitation: Invitation | None, visit: ReturnVisit | None = None) -> HttpResponse:
    if invitation is None:
        messages.error(request, _("No questionnaire is in use for this kind of survey."))
        return render(request, "surveys/staff_fill.html", {"form": None, "visit": visit}, status=404)
    if invitation.pk and hasattr(invitation, "response"):
        return render(
            request, "surveys/staff_fill.html", {"form": None, "done": invitation.response, "invitation": invitation}
        )
    form = SurveyForm(invitation.questionnaire, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.response_record(
                invitation_id=invitation.pk, answers=form.answers(), by=AnsweredBy.STAFF, staff=request.user
            )
        except services.AlreadyAnswered as err:
            messages.error(request, err.messages[0])
        else:
            if response.complaint_id:
                messages.warning(
                    request,
                    _("The answers are saved. The low score opened complaint #%(id)s.") % {"id": response.complaint_id},
                )
            else:
                messages.success(request, _("The answers are saved."))
            return redirect("crm:customer", invitation.customer_id)
    context = {"form": form, "invitation": invitation, "q": invitation.questionnaire, "visit": visit}
    return render(request, "surveys/staff_fill.html", context, status=400 if form.errors else 200)
