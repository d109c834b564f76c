"""The reports read from a PostgreSQL read replica when ``LOTFLOW_REPORTS_DATABASE_URL`` names one.

Reports scan months of contacts, orders and work items; on a busy group they compete with the staff's steps
for the primary's CPU and cache. With the setting, the settings add the database alias ``reports_replica`` and
this router: while a page of portal.reports is answered (``ReportsReplicaMiddleware`` marks it, a streamed
export included), every read goes to the replica. Everything else (the inbox, the CRM, the workers, the session
and sign-in of the reports' own requests) reads and writes the primary, and writes always go to the primary.
A read inside a transaction of the primary stays on the primary, so it sees what that transaction wrote.

The replica is a copy kept by PostgreSQL's streaming replication: LotFlow never migrates it, and a report may
be a few seconds behind the primary (docs/scaling.md).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse

REPLICA = "reports_replica"
REPORTS_MODULE = "portal.reports"

_reading_reports: ContextVar[bool] = ContextVar("lotflow_reading_reports", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_reports() -> Iterator[None]:
    """Reads inside go to the replica (when there is one): what a report page, or a report job, wraps itself in."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


class ReportsReplicaRouter:
    """Reads of a report to the replica; every other read, and every write, to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _reading_reports.get() or not replica_configured():
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # a transaction of the primary reads its own writes
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db != REPLICA  # a copy: PostgreSQL's replication brings the primary's schema


class ReportsReplicaMiddleware:
    """Marks the answer to a view of portal.reports as a report's, for the router (a no-op without a replica)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _reading_reports.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reading_reports.reset(token)
        if getattr(request, "_lotflow_report", False) and isinstance(response, StreamingHttpResponse):
            # An export streams after this returns: its rows are read while the server sends them.
            response.streaming_content = _while_reading_reports(response.streaming_content)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        if replica_configured() and (view_func.__module__ or "").startswith(REPORTS_MODULE):
            # Who is signed in is read from the primary first: a session begun a moment ago may not have reached
            # the replica yet.
            user = getattr(request, "user", None)
            if user is not None:
                user.is_authenticated  # noqa: B018 - the lazy user is loaded here, from the primary
            request._lotflow_report = True  # type: ignore[attr-defined]
            _reading_reports.set(True)  # reset by __call__ when the view has answered


def _while_reading_reports(chunks: Any) -> Iterator[Any]:
    with reading_reports():
        yield from chunks
