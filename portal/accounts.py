"""Accounts: sessions that end when left alone, and the answer to a locked-out login.

Sessions: an idle timeout on top of the working-day session age.

The last time a signed-in person asked for a page is kept in their session, written at most once a minute
(not a database write per request). A request after ``settings.IDLE_MINUTES`` without one signs them out and
sends them to the login page with a message; a post then saves nothing (portal.inbox.auth says so).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from engine import api

SEEN_KEY = "lotflow_seen"
WRITE_EVERY = 60  # seconds


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(api.now().timestamp())
            seen = request.session.get(SEEN_KEY)
            if isinstance(seen, int) and now - seen > settings.IDLE_MINUTES * 60:
                logout(request)  # a new, empty session: the message below lives in it
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity.")
                    % {"minutes": settings.IDLE_MINUTES},
                )
            elif not isinstance(seen, int) or now - seen >= WRITE_EVERY:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


def locked_out(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """django-axes' answer to a login from a locked username and address (settings.AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
