from typing import Any

from django.core.management.base import BaseCommand

from portal.crm.demo import seed_demo
from portal.crm.models import Customer, Order, Vehicle


class Command(BaseCommand):
    help = "Load the demo stores, staff, customers, vehicles and orders (safe to run again)."

    def handle(self, *args: Any, **opts: Any) -> None:
        users = seed_demo()
        self.stdout.write(
            f"demo data: {len(users)} staff users (password 'lotflow'), {Customer.objects.count()} "
            f"customers, {Vehicle.objects.count()} vehicles, {Order.objects.count()} orders"
        )
