"""Limits on what a request may bring, applied before anything reads it, and what a response may leave behind.

- ``RequestLimitsMiddleware``: a body declared larger than ``LOTFLOW_MAX_REQUEST_BYTES`` is answered 413 before
  Django reads it into memory or spools an upload to disk; a Content-Length that is not a number is a 400.
- ``JSONParser``: the API's JSON parser, answering 400 (not 500) to JSON nested deeper than Python can parse.
- Pages shown to a signed-in person carry ``Cache-Control: no-store``: they hold personal data that no
  browser history, shared computer or proxy should keep.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.LOTFLOW_MAX_REQUEST_BYTES
        if not declared.isdigit():
            return _refusal(request, 400, _("The request's Content-Length is not a number."))
        if int(declared) > limit:
            message = _("The request is larger than %(mb)s MB; nothing was read or saved.") % {
                "mb": round(limit / 2**20, 1)
            }
            return _refusal(request, 413, message)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    body = render_to_string("400.html", {"reason": message}, request=None)
    return HttpResponse(body, status=status)


def client_address(request: HttpRequest) -> str:
    """The address of the person at the other end: behind our one proxy (LOTFLOW_PROXY_SSL_HEADER), the last
    address it appended to X-Forwarded-For (earlier ones the client could have written itself)."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "?")


class JSONParser(DRFJSONParser):
    """DRF's JSON parser; a document nested too deeply for Python is the client's error (400), not ours."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: the document is nested too deeply.")) from None
