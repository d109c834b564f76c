"""The approvals page: store managers and hq decide pending approvals one by one or several at once."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..forms import ApprovalsForm
from ..scopes import may_decide_approvals, scope_of
from ..services.approvals import approvals_decide, approvals_for
from .common import crm_view


@crm_view
def approvals(request: HttpRequest) -> HttpResponse:
    if not may_decide_approvals(scope_of(request.user)):
        raise PermissionDenied(_("Store managers and hq decide approvals."))
    pending = approvals_for(request.user)
    form = ApprovalsForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            outcomes = approvals_decide(
                by=request.user,
                item_ids=form.cleaned_data["items"],
                approve=form.cleaned_data["approve"],
                comment=form.cleaned_data["comment"].strip(),
            )
            for outcome in outcomes:
                (messages.success if outcome.done else messages.error)(request, outcome.message)
            return redirect("crm:approvals")
        messages.error(request, _("Nothing was decided: %(problems)s") % {"problems": _problems(form)})
    return render(request, "crm/approvals.html", {"pending": pending, "form": form}, status=400 if form.errors else 200)


def _problems(form: ApprovalsForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
