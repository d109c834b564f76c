"""Sign-in checks that say why a post was not saved when the session has ended."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SESSION_ENDED = _("Your session had ended, so nothing was saved. Sign in and try again.")


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def signed_in(back_to: str | None = None) -> Callable:
    """Like login_required, but a post from an expired session gets a message saying nothing was
    saved, and sign-in leads back to ``back_to`` (a URL name taking the view's arguments), not to
    the address of the post, which only takes posts."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if request.method == "POST":
                messages.warning(request, SESSION_ENDED)
            after = reverse(back_to, args=args, kwargs=kwargs) if back_to else request.get_full_path()
            login = redirect_to_login(after)
            if is_htmx(request):
                # htmx would swap the login page into the inbox; ask it to load the page instead.
                return HttpResponse(headers={"HX-Redirect": login.url})
            return login

        return wrapper

    return decorate
