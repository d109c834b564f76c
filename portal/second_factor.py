"""A second factor for admins: a code from an authenticator app (TOTP, django-otp) after the password.

Everyone who holds the admin role (and any Django superuser) must, after signing in with their password:

- without a confirmed device: enrol one (``enrol``): the secret shown as text and as a QR code, then a first
  code proves the app has it;
- with one: type the current 6-digit code (``verify``). Wrong codes are counted in the session and logged;
  after ``MAX_TRIES`` the person is signed out and starts again from the password. django-otp's own throttle
  (a wait that doubles after each failure, kept on the device) slows guessing across sign-ins.

Until then ``SecondFactorMiddleware`` sends every other page there: an admin account never works on a
password alone. The session counts as verified once django-otp's ``login`` has stored the device in it
(``request.user.is_verified()``, set by ``django_otp.middleware.OTPMiddleware``); a reset device unverifies
every session that used it.

An admin who lost their phone is reset by another admin (``reset``), recorded in Django's admin log
(``LogEntry``) and in the ``lotflow.accounts`` log; they enrol again at their next page.

``settings.LOTFLOW_ADMIN_SECOND_FACTOR`` turns all of this off: the test suite does (its admins sign in with
``force_login``); the tests of this feature turn it on.
"""

import base64
import logging
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model, logout
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.crm.models import Role, StaffRole
from portal.crm.scopes import scope_of
from portal.redirects import own_page

logger = logging.getLogger("lotflow.accounts")

MAX_TRIES = 5
FAILURES_KEY = "lotflow_second_factor_failures"
DEVICE_NAME = "authenticator"


# --- who --------------------------------------------------------------------


def enabled() -> bool:
    return bool(getattr(settings, "LOTFLOW_ADMIN_SECOND_FACTOR", True))


def is_admin(user: Any) -> bool:
    """Whether ``user`` must pass a second factor: the admin role, or Django's superuser flag."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or scope_of(user).holds(Role.ADMIN)


def admins() -> QuerySet[Any]:
    """The active users who must pass a second factor, by username."""
    admin_staff = StaffRole.objects.filter(role=Role.ADMIN, staff__active=True).values("staff__user_id")
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(pk__in=admin_staff), is_active=True)
        .order_by("username")
    )


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- the middleware ---------------------------------------------------------


class SecondFactorMiddleware:
    """Sends an admin whose session is not verified to the code page (or to enrolment), whatever they asked for.

    After django_otp's OTPMiddleware (it gives ``request.user.is_verified``) and the idle timeout (a timed-out
    session is anonymous by then). The API under a session answers 403 instead of a redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if (
            enabled()
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not _exempt(request.path)
            and is_admin(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Enter the code of your authenticator app first.")}, status=403)
            target = "second_factor:verify" if has_device(user) else "second_factor:enrol"
            return redirect(_to(target, request.get_full_path() if request.method == "GET" else "/"))
        return self.get_response(request)


def _exempt(path_: str) -> bool:
    """The pages an unverified admin may still open: the code and enrolment pages, sign-in and out, language."""
    open_pages = ("second_factor:verify", "second_factor:enrol", "inbox:login", "inbox:logout", "language")
    return path_ in {reverse(name) for name in open_pages}


def _to(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


# --- pages -------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": gettext_lazy("The code is the 6 digits your authenticator app shows.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and args[0] is not None:  # spaces typed between the digits are not the person's mistake
            data = args[0].copy()
            data["code"] = "".join(str(data.get("code", "")).split())
            args = (data, *args[1:])
        super().__init__(*args, **kwargs)


def _next(request: HttpRequest) -> str:
    return own_page(request, request.POST.get("next") or request.GET.get("next"), settings.LOGIN_REDIRECT_URL)


def _signed_in_admin(request: HttpRequest, *, verified: bool = False) -> Any:
    """The signed-in admin (verified by their code when ``verified``); anyone else is answered 404."""
    user: Any = request.user
    if not enabled() or not user.is_authenticated or not is_admin(user) or (verified and not user.is_verified()):
        raise Http404
    return user


def verify(request: HttpRequest) -> HttpResponse:
    """The code asked after the password; MAX_TRIES wrong ones send the person back to the sign-in page."""
    user = _signed_in_admin(request)
    if user.is_verified():
        return redirect(_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect(_to("second_factor:enrol", _next(request)))
    form = CodeForm(request.POST if request.method == "POST" else None)
    wait = _throttled(device)
    if request.method == "POST" and wait is None and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            request.session.pop(FAILURES_KEY, None)
            logger.info("second factor of %s passed", user.get_username())
            return redirect(_next(request))
        failures = int(request.session.get(FAILURES_KEY, 0)) + 1
        logger.warning(
            "wrong second-factor code for %s from %s (%s of %s)",
            user.get_username(),
            request.META.get("REMOTE_ADDR", "?"),
            failures,
            MAX_TRIES,
        )
        if failures >= MAX_TRIES:
            logout(request)
            messages.error(request, _("Too many wrong codes. Sign in again with your password."))
            return redirect("inbox:login")
        request.session[FAILURES_KEY] = failures
        form.add_error(
            "code",
            _("That code is not right. %(left)s tries left.") % {"left": MAX_TRIES - failures},
        )
    problem = ""
    if request.method == "POST" and wait is not None:
        form = CodeForm(None)  # not counted as a try: the code was not checked
        problem = _("Too many wrong codes in a row: wait %(seconds)s seconds, then try again.") % wait
    return render(
        request, "registration/second_factor_verify.html", {"form": form, "next": _next(request), "problem": problem}
    )


def _throttled(device: TOTPDevice) -> dict[str, int] | None:
    """django-otp's wait after repeated failures (a correct code is refused during it), in whole seconds."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return None
    return {"seconds": max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)}


def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: the secret as text and QR code, then one code to confirm it."""
    user = _signed_in_admin(request)
    if has_device(user):
        # Only a reset by another admin replaces a device: a stolen password must not enrol a new phone.
        return redirect(_to("second_factor:verify", _next(request)))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            otp_login(request, device)
            logger.warning("second factor enrolled by %s", user.get_username())
            messages.success(
                request, _("Your authenticator app is set up. You will be asked for a code at each sign-in.")
            )
            return redirect(_next(request))
        form.add_error("code", _("That code is not right. Check the app shows LotFlow and try the newest code."))
    secret = base64.b32encode(device.bin_key).decode()
    uri = _config_url(device)
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "next": _next(request),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "uri": uri,
            "qr": _qr_data_uri(uri),
        },
    )


def _config_url(device: TOTPDevice) -> str:
    return str(device.config_url)


def _qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: address (the content security policy allows data: images)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def admins_page(request: HttpRequest) -> HttpResponse:
    """The admins and whether each has set up their app, with a reset for a lost phone (admins only)."""
    _signed_in_admin(request, verified=True)
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows = [{"user": u, "enrolled": u.pk in enrolled, "self": u.pk == request.user.pk} for u in admins()]
    return render(request, "registration/second_factor_admins.html", {"rows": rows})


@require_POST
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    by = _signed_in_admin(request, verified=True)
    target = get_object_or_404(admins(), pk=user_id)
    if target.pk == by.pk:
        messages.error(request, _("Another administrator must reset your own second factor."))
    else:
        second_factor_reset(user=target, by=by)
        messages.success(
            request,
            _("The second factor of %(person)s is reset: they set up their app again at their next page.")
            % {"person": target.get_username()},
        )
    return redirect("second_factor:admins")


@transaction.atomic
def second_factor_reset(*, user: Any, by: Any | None) -> int:
    """Delete the person's devices (every session verified with them stops being verified), recorded.

    ``by`` is the admin who asked, or None for ``manage.py`` (the log then says so). Returns the devices deleted.
    """
    deleted, _rows = TOTPDevice.objects.filter(user=user).delete()
    who = by.get_username() if by is not None else "manage.py"
    if by is not None:
        LogEntry.objects.create(
            user_id=by.pk,
            content_type=ContentType.objects.get_for_model(type(user)),
            object_id=str(user.pk),
            object_repr=user.get_username(),
            action_flag=CHANGE,
            change_message="second factor reset",
        )
    logger.warning("second factor of %s reset by %s (%s devices)", user.get_username(), who, deleted)
    return deleted


app_name = "second_factor"
urlpatterns = [
    path("", verify, name="verify"),
    path("enrol/", enrol, name="enrol"),
    path("admins/", admins_page, name="admins"),
    path("admins/<int:user_id>/reset/", reset, name="reset"),
]
