"""Work for the demo inboxes: follow-up processes for some owned prospects, and one run of each sweep.

Run by `make run` after the demo data and the processes are in place; safe to
run again (prospects that already have a follow-up are skipped, sweeps are idempotent).
"""

from engine import api

from .models import Customer, Store
from .models.choices import Stage
from .sweeps import SWEEPS

FOLLOW_UPS_PER_STORE = 4


def demo_work() -> list[str]:
    lines = []
    started = 0
    busy = api.business_keys("lead_followup")
    for store in Store.objects.order_by("pk"):
        prospects = (
            Customer.objects.filter(home_store=store, stage=Stage.PROSPECT, owner__isnull=False)
            .select_related("owner")
            .prefetch_related("phones")
            .order_by("-score", "pk")[:FOLLOW_UPS_PER_STORE]
        )
        for customer in prospects:
            key = f"customer:{customer.pk}"
            if key in busy:
                continue
            phone = customer.phones.first()
            api.start(
                "lead_followup",
                business_key=key,
                user=customer.owner,
                data={
                    "store_id": store.pk,
                    "customer_id": customer.pk,
                    "customer_name": customer.name,
                    "phone": phone.number if phone else "",
                },
            )
            started += 1
    lines.append(f"demo work: {started} follow-up process(es) started")
    for name in ("scores", "reclaim", "reminders", "thresholds"):
        lines.extend(SWEEPS[name]().lines())
    return lines
