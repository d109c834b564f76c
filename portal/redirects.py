"""Where a page may send a person back to: only our own pages.

A ``next`` field or a ``Referer`` header comes from the browser, so either may name another site; a redirect
to it would lend LotFlow's address to a phishing page. Every "back to where you were" goes through here.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def own_page(request: HttpRequest, url: str | None, fallback: str = "") -> str:
    """``url`` when it is a page of this site (same host, and https when the request is), else ``fallback``."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback
