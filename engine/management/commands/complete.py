from typing import Any

from engine.api import complete
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Complete a work item with form data (validated against the task's form)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("item", type=int)
        parser.add_argument("--user", required=True)
        parser.add_argument("--data", help="JSON object of form fields")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = complete(opts["item"], user=self.user(opts["user"]), data=self.json_arg(opts["data"]))
        opened = ", ".join(map(str, result.opened)) or "none"
        self.stdout.write(f"completed; instance {result.instance_id} is {result.status}; new items: {opened}")
        for incident in result.incidents:
            self.stderr.write(f"incident {incident}: an automatic step after this task failed")
