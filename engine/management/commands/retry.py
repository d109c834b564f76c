from typing import Any

from engine.api import retry_incident
from engine.management.base import EngineCommand
from engine.models import Incident


class Command(EngineCommand):
    help = "Run the failed step of an incident again now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("incident", type=int)
        parser.add_argument("--user")

    def handle(self, *args: Any, **opts: Any) -> None:
        retry_incident(opts["incident"], user=self.user(opts["user"], required=False))
        status = Incident.objects.get(pk=opts["incident"]).status
        self.stdout.write(f"incident {opts['incident']} {status}")
