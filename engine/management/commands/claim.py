from typing import Any

from engine.api import claim
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Claim a work item."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("item", type=int)
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        item = claim(opts["item"], user=self.user(opts["user"]))
        holder = item.assignee.get_username() if item.assignee is not None else None
        self.stdout.write(f"{item.pk} assigned to {holder}" if holder else f"{item.pk} open")
