from typing import Any

from engine.api import assign
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Hand a work item to someone who may do it (a manager of its store, hq or admin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("item", type=int)
        parser.add_argument("--to", required=True)
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        to = self.user(opts["to"])
        item = assign(opts["item"], to=to, user=self.user(opts["user"]))
        self.stdout.write(f"{item.pk} assigned to {to.get_username()}")
