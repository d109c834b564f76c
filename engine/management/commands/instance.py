from typing import Any

from engine.api import instance_detail
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Show an instance: status, version, open tasks, timers, incidents and audit trail."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("instance", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        detail = instance_detail(opts["instance"])
        if opts["json"]:
            self.print_json(detail)
            return
        out = self.stdout.write
        out(
            f"instance {detail['id']}: {detail['process_id']} v{detail['version']} {detail['status']}"
            + (f" ({detail['end_reason']})" if detail["end_reason"] else "")
        )
        for pid, version in detail["called_process_versions"].items():
            out(f"  calls {pid} v{version} (fixed at start)")
        out(f"open tasks ({len(detail['open_tasks'])})")
        for task in detail["open_tasks"]:
            out(
                f"  {task['id']:>6}  {task['element_id']}  {task['title']}  role={task['role'] or '-'}"
                f"  assignee={task['assignee'] or '-'}"
            )
        out(f"timers ({len(detail['timers'])})")
        for timer in detail["timers"]:
            out(f"  {timer['element_id']} due {timer['due_at']}")
        out(f"incidents ({len(detail['incidents'])})")
        for incident in detail["incidents"]:
            out(
                f"  {incident['id']:>6}  {incident['status']}  {incident['element_id']}  "
                f"attempts={incident['attempts']}  {incident['error']}"
            )
        out("audit")
        for event in detail["audit"]:
            out(f"  {event['at']}  {event['action']:<12} {event['element_id'] or '-'}  {event['actor'] or '-'}")
