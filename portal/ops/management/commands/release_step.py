"""manage.py release_step: the release step's migrations, static files and processes, one release step at a time.

``bin/start release`` runs it after ``manage.py preflight``. Two release steps started at once (two deploy jobs,
a platform that retries one, a compose file started twice) would otherwise migrate the same database together:
the second fails half-way on a table the first just made. Here the second waits for the first and then finds
nothing left to do; both end well. The lock is PostgreSQL's advisory lock (every machine that reaches the
database sees it) or, on SQLite, a lock on a file beside the database. Safe to run again: migrations already
applied, files already collected and processes unchanged are each left as they are.
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

# pg_advisory_lock's key: "LotFlow release" in a 64-bit integer that no other lock of LotFlow uses.
LOCK_KEY = 0x4C6F74466C6F7752
POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Migrate, collect static files and deploy the shipped processes, waiting for a release step already running."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            type=int,
            default=int(os.environ.get("LOTFLOW_RELEASE_WAIT_SECONDS", "600")),
            help="seconds to wait for another release step before giving up (LOTFLOW_RELEASE_WAIT_SECONDS, 600)",
        )
        parser.add_argument("processes", nargs="*", help="BPMN files to deploy (bin/start release: processes/*.bpmn)")

    def handle(self, *args: Any, **options: Any) -> None:
        with self.one_at_a_time(options["wait"]):
            call_command("migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout)
            call_command("collectstatic", interactive=False, verbosity=0)
            if options["processes"]:
                call_command("deploy", *options["processes"], stdout=self.stdout, stderr=self.stderr)

    @contextmanager
    def one_at_a_time(self, wait: int) -> Iterator[None]:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                self.wait_for(lambda: _try_pg_lock(cursor), wait)
                try:
                    yield
                finally:
                    if (
                        connection.connection is not None and connection.is_usable()
                    ):  # a connection that broke took its session's lock with it
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            return
        path = Path(str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]) + ".release-lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as lock_file:
            self.wait_for(lambda: _try_file_lock(lock_file), wait)
            yield  # closing the file frees the lock

    def wait_for(self, take: Any, wait: int) -> None:
        if take():
            return
        self.stderr.write(_("Another release step is running on this database; waiting for it to finish."))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            if take():
                self.stderr.write(_("The other release step has finished; this one goes on."))
                return
        raise CommandError(
            _(
                "Another release step has been running for more than %(seconds)d seconds; nothing was changed. "
                "Check that it is not stuck, then run the release step again."
            )
            % {"seconds": wait}
        )


def _try_pg_lock(cursor: Any) -> bool:
    cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
    return bool(cursor.fetchone()[0])


def _try_file_lock(lock_file: Any) -> bool:
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
