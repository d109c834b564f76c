from typing import Any

from engine.api import incidents
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "List open incidents (automatic steps that failed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="resolved and cancelled ones too")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = incidents(open_only=not opts["all"])
        if opts["json"]:
            self.print_json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['id']:>6}  instance {row['instance_id']}  {row['element_id']}  {row['status']}"
                f"  attempts={row['attempts']}  {row['error']}"
            )
        if not rows:
            self.stdout.write("no incidents")
