from typing import Any

from engine.api import fire_due_timers
from engine.management.base import EngineCommand, parse_now


class Command(EngineCommand):
    help = "Fire every timer due at --now (default: now); prints how many fired."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="ISO 8601 time with offset, e.g. 2026-12-01T09:00:00+08:00")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(str(fire_due_timers(parse_now(opts["now"]))))
