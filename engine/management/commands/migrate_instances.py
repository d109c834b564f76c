from typing import Any

from django.core.management.base import CommandError

from engine.api import migrate_instances, migration_dry_run
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = (
        "Move the running instances of a process from one version to another: one line per instance "
        "(moved, refused and why). --dry-run says what would happen and changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process")
        parser.add_argument("--from", dest="source", type=int, required=True, help="the version they run on")
        parser.add_argument("--to", dest="target", type=int, required=True, help="the version to move them to")
        parser.add_argument("--dry-run", action="store_true", help="say what would happen; change nothing")
        parser.add_argument("--reason", default="", help="why (required unless --dry-run); kept in the audit trail")
        parser.add_argument("--user", help="who is moving them (for the audit trail)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        versions = {"from_version": opts["source"], "to_version": opts["target"]}
        if opts["dry_run"]:
            plan = migration_dry_run(opts["process"], **versions)
        else:
            if not opts["reason"].strip():
                raise CommandError("--reason is required (it is kept in the audit trail)", returncode=1)
            plan = migrate_instances(
                opts["process"],
                **versions,
                reason=opts["reason"],
                user=self.user(opts["user"], required=False),
            )
        if opts["json"]:
            self.print_json([v.as_dict() for v in plan.verdicts])
            return
        for verdict in plan.verdicts:
            self.stdout.write(self._line(verdict, dry_run=opts["dry_run"]))
        if not plan.verdicts:
            self.stdout.write(f"no running instance of {opts['process']} is on version {opts['source']}")

    def _line(self, verdict: Any, *, dry_run: bool) -> str:
        where = ", ".join(verdict.waiting) or "-"
        status = ("can move" if verdict.movable else "cannot move") if dry_run else verdict.outcome
        why = f": {'; '.join(verdict.reasons)}" if verdict.reasons else ""
        reopened = f" (reopened {', '.join(verdict.reopened)})" if verdict.reopened and not why else ""
        return f"instance {verdict.instance_id}  at {where}  {status}{reopened}{why}"
