from typing import Any

from engine.api import start
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Start an instance of the live version of a process; prints the instance id."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("process_id")
        parser.add_argument("--key", default="", help="business key (messages find the instance by it)")
        parser.add_argument("--data", help="JSON object: the process's first data")
        parser.add_argument("--user")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = start(
            opts["process_id"],
            business_key=opts["key"],
            data=self.json_arg(opts["data"]),
            user=self.user(opts["user"], required=False),
        )
        self.stdout.write(str(result.instance_id))
        for incident in result.incidents:
            self.stderr.write(f"incident {incident}: an automatic step failed (see `manage.py incidents`)")
