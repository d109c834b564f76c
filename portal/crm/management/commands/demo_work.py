from typing import Any

from django.core.management.base import BaseCommand

from portal.crm.demo_work import demo_work


class Command(BaseCommand):
    help = "Give the demo something to do: start follow-ups for some prospects and run the sweeps (safe to repeat)."

    def handle(self, *args: Any, **opts: Any) -> None:
        for line in demo_work():
            self.stdout.write(line)
