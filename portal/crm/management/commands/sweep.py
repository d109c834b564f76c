from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engine.errors import EngineError
from portal.crm.automation import sweeps


class Command(BaseCommand):
    help = "Run one sweep (reclaim, reminders, thresholds, scores) and print what it did; --preview changes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("sweep", choices=sorted(sweeps.SWEEPS))
        parser.add_argument("--now", help="ISO 8601 time with offset (default: now)")
        parser.add_argument("--preview", action="store_true", help="print what it would do, change nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        at = None
        if opts["now"]:
            try:
                at = datetime.fromisoformat(opts["now"].replace("Z", "+00:00"))
            except ValueError as err:
                raise CommandError(f"--now: {err}", returncode=1) from err
            if at.tzinfo is None:
                raise CommandError("--now needs a timezone offset (e.g. +08:00 or Z)", returncode=1)
        try:
            report = sweeps.SWEEPS[opts["sweep"]](now=at, preview=opts["preview"])
        except EngineError as err:
            raise CommandError(str(err), returncode=err.exit_code) from err
        for line in report.lines():
            self.stdout.write(line)
        if opts["preview"]:
            for detail in report.details:
                self.stdout.write("    " + ", ".join(f"{k}={v}" for k, v in detail.items()))
