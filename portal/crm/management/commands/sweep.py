from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from engine import api
from engine.api import EngineError
from portal.crm import sweeps


def parse_now(text: str | None) -> datetime | None:
    """The ``--now`` option: an ISO 8601 time with its offset, or None for the engine's clock."""
    if not text:
        return None
    try:
        return api.parse_aware(text)
    except ValueError as err:
        raise CommandError(_("--now: %(problem)s") % {"problem": err}, returncode=1) from err


class Command(BaseCommand):
    help = "Run one sweep (reclaim, reminders, thresholds, scores) and print what it did; --preview changes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("sweep", choices=sorted(sweeps.SWEEPS))
        parser.add_argument("--now", help="ISO 8601 time with offset (default: now)")
        parser.add_argument("--preview", action="store_true", help="print what it would do, change nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            report = sweeps.SWEEPS[opts["sweep"]](now=parse_now(opts["now"]), preview=opts["preview"])
        except EngineError as err:
            raise CommandError(str(err), returncode=err.exit_code) from err
        for line in report.lines():
            self.stdout.write(line)
        if opts["preview"]:
            for detail in report.details:
                self.stdout.write("    " + ", ".join(f"{k}={v}" for k, v in detail.items()))
