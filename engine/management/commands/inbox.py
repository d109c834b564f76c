from typing import Any

from engine.api import inbox_for, item_as_dict
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "List a user's work items: assigned to them, claimable by their roles, and notices."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--sort", choices=["due", "priority"], default="due")

    def handle(self, *args: Any, **opts: Any) -> None:
        inbox = inbox_for(self.user(opts["username"]), sort=opts["sort"])
        if opts["json"]:
            self.print_json(
                {
                    "mine": [item_as_dict(i) for i in inbox.mine],
                    "claimable": [item_as_dict(i) for i in inbox.claimable],
                    "notices": [item_as_dict(i) for i in inbox.notices],
                }
            )
            return
        for heading, items in (("mine", inbox.mine), ("claimable", inbox.claimable), ("notices", inbox.notices)):
            self.stdout.write(f"{heading} ({len(items)})")
            for item in items:
                due = item.due_at.isoformat(timespec="minutes") if item.due_at else "-"
                subject = f" [{item.subject_label}]" if item.subject_label else ""
                self.stdout.write(f"  {item.pk:>6}  p{item.priority}  due {due}  {item.title}{subject}")
