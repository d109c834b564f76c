"""The content security policy every answer carries: the browser runs only our own scripts.

Scripts come from this site (htmx, the bundles, lotflow/*.js) or carry the request's nonce (the one inline
script, a page's countdown); no inline event handler and no ``eval`` runs (htmx is told not to evaluate).
Styles may be inline: bpmn-js, CodeMirror and htmx set element styles and insert style sheets. Pictures may be
``data:`` and ``blob:`` (the diagram's exports, the charts). Nothing may frame a page, and forms post only here.
The policy is ``settings.LOTFLOW_CSP``; ``{nonce}`` in it is replaced per request.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]  # read by templates: {{ request.csp_nonce }}
        response = self.get_response(request)
        if settings.LOTFLOW_CSP and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.LOTFLOW_CSP.replace("{nonce}", nonce)
        return response
