"""Which language a request is answered in, and the view that changes it.

A signed-in staff member sees the language saved on their Staff record (blank: the group's default,
``LANGUAGE_CODE``); it is copied into the session when they sign in, so a page costs no query for it,
and a choice made on one device holds on every device they sign in to next. Anyone else gets the
language cookie they chose, else their browser's Accept-Language if LotFlow speaks it, else the group's
default. A code LotFlow does not speak, wherever it comes from, falls back to the default.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from portal.redirects import own_page

SESSION_KEY = "lotflow_language"


def supported(code: Any) -> str | None:
    """``code`` if LotFlow speaks it (case-insensitive), else None."""
    if not isinstance(code, str):
        return None
    code = code.strip().lower()
    return code if code in dict(settings.LANGUAGES) else None


def _saved_language(user: Any) -> str:
    staff = getattr(user, "staff", None)
    return supported(getattr(staff, "language", "")) or ""


@receiver(user_logged_in, dispatch_uid="lotflow.i18n.remember_language")
def remember_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = _saved_language(user)


def language_for(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        saved = supported(request.session.get(SESSION_KEY, ""))
        if saved:
            return saved
        if SESSION_KEY in request.session:  # signed in with no saved choice: the group's default
            return settings.LANGUAGE_CODE
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie is not None:
        return supported(cookie) or settings.LANGUAGE_CODE
    return supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        # For this request only: a thread that serves the next one (or runs a command) starts from the default.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """Save the language picked in the header or on the login page: on the staff record of a signed-in
    staff member (and in their session), and in a cookie for the pages seen signed out. An unknown code
    is taken as the group's default."""
    language = supported(request.POST.get("language")) or settings.LANGUAGE_CODE
    staff = getattr(request.user, "staff", None) if request.user.is_authenticated else None
    if staff is not None:
        staff.language = language
        staff.save(update_fields=["language"])
    if request.user.is_authenticated:
        request.session[SESSION_KEY] = language
    after = own_page(request, request.POST.get("next") or request.META.get("HTTP_REFERER"), "/")
    response = HttpResponseRedirect(after)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
