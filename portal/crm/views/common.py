"""What every CRM page shares: sign-in, and turning service refusals into 404s and messages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from portal.redirects import own_page

from ..errors import Conflict, IllegalTransition, NotPermitted, NotVisible

PAGE_SIZE = 25


def crm_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in staff only. Out of scope is 404 (never 403, never the data); a refused action on a
    record the user can see comes back as a message on the page they came from."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotVisible as err:
            raise Http404(str(err)) from err
        except (NotPermitted, IllegalTransition, Conflict) as err:
            back = own_page(request, request.META.get("HTTP_REFERER"))
            if request.method != "POST" or not back:
                raise PermissionDenied(str(err)) from err
            messages.error(request, str(err))
            return redirect(back)

    return wrapper


def page_of(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
