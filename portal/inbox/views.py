"""Inbox pages. Thin: selectors read, services act, templates show."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engine import api

from . import selectors, services
from .auth import is_htmx, signed_in

MAX_HIGHLIGHTED = 10


@require_GET
@signed_in()
def inbox(request: HttpRequest) -> HttpResponse:
    page = selectors.inbox_page(
        request.user,
        sort=request.GET.get("sort", "due"),
        highlight=_ids(request.GET.get("opened", "")),
        filters=selectors.InboxFilter.from_query(request.GET),
    )
    if is_htmx(request):
        return render(request, "inbox/_lists.html", {"page": page, "partial": True})
    return render(request, "inbox/inbox.html", {"page": page})


@require_http_methods(["GET", "POST"])
@signed_in(back_to="inbox:item")
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        work_item = services.visible_item(item_id, request.user, ticket=request.POST.get("ticket"))
    except services.ItemGone as gone:
        messages.warning(request, str(gone))
        return redirect("inbox:inbox")
    if request.method == "GET":
        page = selectors.item_page(work_item, request.user)
        return render(request, "inbox/item.html", {"page": page, "progress": _progress(page), "clock_now": api.now()})
    outcome = services.item_submit(item=work_item, user=request.user, posted=request.POST)
    if outcome.ok:
        messages.success(request, outcome.message)
        if outcome.continue_to is not None:
            # The next step is the same person's: open it rather than send them back to the inbox.
            return redirect("inbox:item", item_id=outcome.continue_to)
        opened = ",".join(map(str, outcome.opened[:MAX_HIGHLIGHTED]))
        return redirect(reverse("inbox:inbox") + (f"?opened={opened}" if opened else ""))
    if outcome.form is None:
        messages.warning(request, outcome.message)
        return redirect("inbox:inbox")
    page = selectors.item_page(work_item, request.user, form=outcome.form)
    return render(
        request,
        "inbox/item.html",
        {"page": page, "progress": _progress(page), "problem": outcome.message, "clock_now": api.now()},
    )


def _progress(page: selectors.ItemPage) -> api.Progress | None:
    """Step N of M, what comes next and the escalation time, for an open step of a process."""
    return api.item_progress(page.item) if page.is_open else None


@require_POST
@signed_in(back_to="inbox:item")
def claim(request: HttpRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.item_claim)


@require_POST
@signed_in(back_to="inbox:item")
def release(request: HttpRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.item_release)


@require_POST
@signed_in()
def dismiss(request: HttpRequest, item_id: int) -> HttpResponse:
    return _act(request, item_id, services.item_dismiss)


def _act(request: HttpRequest, item_id: int, action: Callable[..., services.Outcome]) -> HttpResponse:
    """Do ``action`` on the item; from htmx answer with the refreshed inbox lists (one round trip),
    otherwise redirect to the inbox or back to the item page."""
    try:
        work_item = services.visible_item(item_id, request.user, ticket=request.POST.get("ticket"))
    except services.ItemGone as gone:
        outcome = services.Outcome(False, str(gone))
    else:
        outcome = action(item=work_item, user=request.user)
    (messages.success if outcome.ok else messages.warning)(request, outcome.message)
    if is_htmx(request):
        page = selectors.inbox_page(
            request.user, sort=request.POST.get("sort", "due"), highlight={item_id} if outcome.ok else set()
        )
        return render(request, "inbox/_lists.html", {"page": page, "partial": True})
    if outcome.ok and request.POST.get("return_to") == "item":
        return redirect("inbox:item", item_id=item_id)
    return redirect("inbox:inbox")


def _ids(text: str) -> set[int]:
    return {int(part) for part in text.split(",")[:MAX_HIGHLIGHTED] if part.isdigit() and len(part) < 19}
