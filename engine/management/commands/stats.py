from typing import Any

from engine.api import process_stats
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "How many instances of a process wait at each step, and the average time spent in each step."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process_id")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        stats = process_stats(opts["process_id"])
        if opts["json"]:
            self.print_json(stats)
            return
        counts = ", ".join(f"{n} {status}" for status, n in sorted(stats["instances"].items())) or "no instances"
        self.stdout.write(f"{stats['process_id']}: {counts}")
        self.stdout.write(f"  {'step':<32} {'waiting':>8} {'done':>6} {'average':>12}")
        for step in stats["steps"]:
            average = _duration(step["average_seconds"])
            self.stdout.write(f"  {step['element_id']:<32} {step['waiting']:>8} {step['done']:>6} {average:>12}")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
