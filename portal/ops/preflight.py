"""Checks a process makes before it starts serving: is the database there, is the broker there, is the schema current.

A web, worker or beat process started with a wrong ``DATABASE_URL`` or an unreachable Redis would otherwise come
up and fail later, one request or one task at a time (a worker keeps retrying its broker connection without end).
``manage.py preflight`` runs these checks, prints one line per problem naming the variable and what was wrong,
and exits non-zero; the release step and ``bin/start`` run it before anything else, gunicorn's start too.
"""

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

# A check that has not answered by then counts as unreachable: a start must not hang on a firewall.
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Problem:
    variable: str  # the environment variable to look at
    message: str  # translated, says what was wrong and where

    def __str__(self) -> str:
        return f"{self.variable}: {self.message}"


def where(url: str) -> str:
    """host:port/name of a URL without its user and password (they never reach a log)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__


def check_database(
    alias: str = DEFAULT_DB_ALIAS, *, migrated: bool = False, variable: str = "DATABASE_URL"
) -> list[Problem]:
    """The database answers a query; with ``migrated``, it also has every migration of this release applied."""
    connection = connections[alias]
    target = connection.settings_dict
    place = (
        f"{target.get('ENGINE', '').rsplit('.', 1)[-1]}://{target.get('HOST') or ''}"
        f"{':' + str(target['PORT']) if target.get('PORT') else ''}/{target.get('NAME') or ''}"
    )
    if connection.vendor == "postgresql":
        target.setdefault("OPTIONS", {}).setdefault("connect_timeout", TIMEOUT_SECONDS)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - every driver error means the same here: it does not answer
        return [
            Problem(
                variable,
                _(
                    "the database %(place)s does not answer (%(error)s). Check the address, the name, the user and "
                    "the password, and that the server runs."
                )
                % {"place": place, "error": first_line(error)},
            )
        ]
    if migrated:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            first_pending = f"{pending[0][0].app_label}.{pending[0][0].name}"
            return [
                Problem(
                    variable,
                    _(
                        "the database %(place)s lacks %(count)d migration(s) of this release (first: %(first)s). Run "
                        "the release step (bin/start release) before starting web, worker or beat processes."
                    )
                    % {
                        "place": place,
                        "count": len(pending),
                        "first": first_pending,
                    },
                )
            ]
    return []


def check_redis(variable: str, url: str | None) -> list[Problem]:
    """The Redis server at ``url`` answers PING (nothing to check when the variable is not set)."""
    if not url:
        return []
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 - a bad URL, a refused connection, a wrong password: all unreachable
        return [
            Problem(
                variable,
                _("Redis at %(place)s does not answer (%(error)s). Check the address and that the server runs.")
                % {"place": where(url), "error": first_line(error)},
            )
        ]
    return []


def check_broker() -> list[Problem]:
    return check_redis("REDIS_URL", getattr(settings, "REDIS_URL", None))


def check_cache() -> list[Problem]:
    return check_redis("LOTFLOW_CACHE_URL", os.environ.get("LOTFLOW_CACHE_URL"))


def check_replica(*, migrated: bool = False) -> list[Problem]:
    """The reports' read replica (LOTFLOW_REPORTS_DATABASE_URL), when one is named: it answers, on this schema."""
    from .replica import REPLICA, replica_configured

    if not replica_configured():
        return []
    return check_database(REPLICA, migrated=migrated, variable="LOTFLOW_REPORTS_DATABASE_URL")


def check_public_url() -> list[Problem]:
    """Served over https, the address customers open survey links at must be an https one: left at its default,
    every link sent would point at localhost."""
    url = settings.LOTFLOW_PUBLIC_URL
    if not settings.HTTPS or url.startswith("https://"):
        return []
    return [
        Problem(
            "LOTFLOW_PUBLIC_URL",
            _("%(url)s is not an https address customers can open; set it to the site's address (https://...).")
            % {"url": url},
        )
    ]


def run_checks(*, migrated: bool = False) -> list[Problem]:
    """Every problem found, database first; none means the process may start."""
    problems = check_database(migrated=migrated) + check_replica(migrated=migrated) + check_broker() + check_cache()
    problems += check_public_url()
    connections.close_all()  # a check leaves nothing open: gunicorn or Celery may fork after it
    return problems
