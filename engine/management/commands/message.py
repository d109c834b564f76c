from typing import Any

from engine.api import correlate_message
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Deliver a message to the instance waiting for it under a business key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--key", required=True)
        parser.add_argument("--data")
        parser.add_argument("--user")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = correlate_message(
            opts["name"],
            business_key=opts["key"],
            data=self.json_arg(opts["data"]),
            user=self.user(opts["user"], required=False),
        )
        self.stdout.write(f"delivered to instance {result.instance_id} ({result.status})")
