"""Refusals as HTTP answers with a message, never a 500.

The CRM's: invalid data 400 (per field), out of scope 404, not permitted 403, an
illegal status move or a lost race 409.

The engine's (the classes engine.api re-exports): InvalidData 400 per field and a
refused deployment 400 with its problems (the request's content is wrong);
NotFound 404; NotAllowed 403; Conflict and InvalidState 409. A process that is
not deployed is 409, not 404 (the address exists) nor 503 (nothing is down and
retrying will not help): the request is right, the install's state refuses it
until an administrator deploys the process, which is what 409 says. Any other
engine refusal (a script or rule of a deployed process refusing) comes from the
same state and is 409 too.

A database connection lost mid-request (OperationalError, InterfaceError) is 503 with Retry-After: nothing was
saved and the same request will do.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from engine import api as engine

from ..errors import Conflict, IllegalTransition, NotPermitted, NotVisible

NON_FIELD = "non_field_errors"
RETRY_AFTER_SECONDS = 5


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotVisible):
        return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, NotPermitted):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, IllegalTransition | Conflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, engine.EngineError):
        return engine_refusal(exc)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database connection dropped mid-request (a restart, a failover): the transaction was rolled back
        # whole and the next request opens a new connection, so the same request again will do.
        detail = _("The database connection was lost while this was saved; nothing was saved. Try again in a moment.")
        return Response(
            {"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": RETRY_AFTER_SECONDS}
        )
    return drf_handler(exc, context)


def engine_refusal(exc: engine.EngineError) -> Response:
    """The engine's error as the answer that tells the caller what to change."""
    if isinstance(exc, engine.InvalidData):
        body: dict[str, Any] = {(field or NON_FIELD): messages for field, messages in exc.errors.items()}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, engine.DeploymentRefused):
        return Response(
            {"detail": _("The process files were refused."), "problems": [str(p) for p in exc.problems]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, engine.NotDeployed):
        detail = _(
            "This needs the process %(process)s, which is not deployed yet; an administrator deploys it "
            "with `manage.py deploy`."
        ) % {"process": exc.process_id}
        return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, engine.NotFound):
        return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, engine.NotAllowed):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, engine.Conflict | engine.InvalidState):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    detail = _("The process refused this: %(reason)s") % {"reason": exc}
    return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
