"""The care outbox: queuing messages and sending them (the file SMS backend), per second.

    .venv/bin/python bench/care.py [--messages 2000] [--history 20]

On a throw-away database under var/bench/care (SQLite unless DATABASE_URL names another):
``--messages`` customers with a phone each and ``--history`` earlier messages each (what the
daily cap and the dedupe check read), then times queue_message for one new message per
customer (consent, quiet hours, the cap, the unique key; one transaction each) and the
worker's send of each (claim, file write, status). Prints messages per second and p50/p95.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MORNING = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--history", type=int, default=20)
    args = parser.parse_args()
    from bench.common import django_in

    django_in("care")
    from django.conf import settings
    from django.db import transaction

    from engine import clock
    from portal.care.delivery import message_deliver
    from portal.care.models import Message, MessageStatus
    from portal.care.outbox import queue_message
    from portal.crm.identifiers import phone_hash
    from portal.crm.models import Customer, CustomerPhone, Store

    outbox = Path(tempfile.mkdtemp(prefix="care-bench-"))
    settings.LOTFLOW_CARE = {**settings.LOTFLOW_CARE, "SMS_OUTBOX_DIR": outbox, "DAILY_CAP": 1000}
    clock.freeze(MORNING)
    run = Store.objects.count()  # each run adds its own store and customers (a later run reads a bigger book)
    store = Store.objects.create(name=f"Bench store {run}", region="East")
    customers = []
    with transaction.atomic():
        for n in range(args.messages):
            customer = Customer.objects.create(name=f"bench {n}", name_key=f"bench {n}", home_store=store)
            number = f"1{run % 10}9{n:08d}"
            CustomerPhone.objects.create(
                customer=customer, number=number, number_hash=phone_hash(number), last4=number[-4:], primary=True
            )
            customers.append(customer)
        Message.objects.bulk_create(
            Message(
                customer=c,
                template_key="birthday_greeting",
                channel="sms",
                language="zh-hans",
                dedupe_key=f"old:{c.pk}:{k}",
                status=MessageStatus.DELIVERED,
                created_at=MORNING - timedelta(days=k + 1),
            )
            for c in customers
            for k in range(args.history)
        )
    queue_times, send_times = [], []
    start = time.perf_counter()
    ids = []
    for customer in customers:
        t = time.perf_counter()
        with transaction.atomic():  # as a caller does; on_commit hands it to the broker (not timed apart)
            message = queue_message(customer, "birthday_greeting", {}, dedupe_key=f"bench:{customer.pk}")
        queue_times.append(time.perf_counter() - t)
        ids.append(message.pk)
    queued = time.perf_counter() - start
    start = time.perf_counter()
    for pk in ids:
        t = time.perf_counter()
        message_deliver(message_id=pk)
        send_times.append(time.perf_counter() - t)
    sent = time.perf_counter() - start
    assert Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).count() == len(ids)
    # The tasks queue_message handed to the (bench's own, unread) broker folder: nobody will run them.
    for task_file in (Path(settings.VAR_DIR) / "celery" / "queue").glob("*"):
        task_file.unlink()

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(
        f"queue_message: {len(ids) / queued:.0f}/s  p50 {ms(queue_times, 50):.2f} ms  p95 {ms(queue_times, 95):.2f} ms"
    )
    print(f"send (file SMS): {len(ids) / sent:.0f}/s  p50 {ms(send_times, 50):.2f} ms  p95 {ms(send_times, 95):.2f} ms")


if __name__ == "__main__":
    main()
