from typing import Any

from engine.api import cancel
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Cancel a running instance."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("instance", type=int)
        parser.add_argument("--user", required=True)
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        cancel(opts["instance"], user=self.user(opts["user"]), reason=opts["reason"])
        self.stdout.write(f"instance {opts['instance']} cancelled")
