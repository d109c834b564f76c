from typing import Any

from django.core.management.base import BaseCommand

from portal.crm.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo stores and staff (safe to run again)."

    def handle(self, *args: Any, **opts: Any) -> None:
        users = seed_demo()
        self.stdout.write(f"demo data: {len(users)} staff users, password 'lotflow'")
