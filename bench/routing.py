"""Routing leads with the lead_routing rules.

    .venv/bin/python bench/routing.py [-n 10000]

Routes N varied leads (store by the rules, then the pool, round robin or
fewest open among 30 salespeople with a few thousand prospects between them)
on a throw-away SQLite database, and prints p50/p95/p99 of one routing
decision (the rule set in force is looked up in the database each time, as in
production).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args()
    # Production settings with the suite's throwaway keys (the data is synthetic): tests/settings.py.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["LOTFLOW_DEBUG"] = "0"
    os.environ.pop("DATABASE_URL", None)
    os.environ["LOTFLOW_VAR_DIR"] = tempfile.mkdtemp(prefix="lotflow-routing-")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from portal.crm.automation.routing import route
    from portal.crm.models import Customer, Staff, StaffRole, Store

    stores = [
        Store.objects.create(name=name, region=region)
        for name, region in [("Pudong", "East"), ("West Lake", "East"), ("Tianhe", "South")]
    ]
    for n in range(30):
        user = get_user_model().objects.create(username=f"sales{n:02d}")
        StaffRole.objects.create(staff=Staff.objects.create(user=user, store=stores[n % 3]), role="sales")
        Customer.objects.bulk_create(
            [Customer(name=f"p{n}-{k}", name_key=f"p{n}-{k}", home_store=stores[n % 3], owner=user) for k in range(100)]
        )
    rng = random.Random(3)
    leads = [
        {
            "id": n,
            "region": rng.choice(["East", "South", None]),
            "source": rng.choice(["website", "walk_in", "referral", "marketplace"]),
            "vehicle_type": rng.choice(["suv", "sedan", None]),
            "budget_max": rng.choice([100000, 250000, 500000, None]),
            "store": "West Lake" if n % 17 == 0 else None,
        }
        for n in range(args.n)
    ]
    for lead in leads[:200]:
        route(lead, stores[0])
    times = []
    for lead in leads:
        began = time.perf_counter()
        route(lead, stores[0])
        times.append(time.perf_counter() - began)
    times.sort()

    def at(q: float) -> float:
        return times[min(len(times) - 1, int(len(times) * q))] * 1000

    print(
        f"routed {args.n} leads on SQLite (WAL, synchronous=NORMAL): "
        f"p50 {at(0.5):.2f} ms, p95 {at(0.95):.2f} ms, p99 {at(0.99):.2f} ms"
    )


if __name__ == "__main__":
    main()
