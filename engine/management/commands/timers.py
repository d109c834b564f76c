from datetime import datetime
from typing import Any

from django.core.management.base import CommandError

from engine.api import fire_due_timers
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Fire every timer due at --now (default: now); prints how many fired."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="ISO 8601 time with offset, e.g. 2026-12-01T09:00:00+08:00")

    def handle(self, *args: Any, **opts: Any) -> None:
        at = None
        if opts["now"]:
            try:
                at = datetime.fromisoformat(opts["now"].replace("Z", "+00:00"))
            except ValueError as err:
                raise CommandError(f"--now: {err}", returncode=1) from err
            if at.tzinfo is None:
                raise CommandError("--now needs a timezone offset (e.g. +08:00 or Z)", returncode=1)
        self.stdout.write(str(fire_due_timers(at)))
