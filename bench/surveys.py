"""The satisfaction report at a dealer group's size, and the cost of storing one survey's answers.

    .venv/bin/python bench/surveys.py                  # 200,000 responses (1,000,000 answers) over two years
    .venv/bin/python bench/surveys.py --scale 0.25     # a quarter, quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_surveys .venv/bin/python bench/surveys.py

The data (20 stores, 8 salespeople each, customers, invitations and their responses to the shipped delivery
questionnaire, spread over the two years before today) is built once into var/bench/ (or the PostgreSQL
database of DATABASE_URL, created empty first) and reused at the same --scale. The report runs through
``portal.reports.satisfaction`` for hq (every store) and a store manager, over a random whole month of the
last year and over the last year; then ``response_record`` stores the answers of fresh invitations.
Prints p50 and p95 in milliseconds.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import django_in  # noqa: E402

RESPONSES = 200_000
STORES = 20
SALES_PER_STORE = 8
DAYS = 730
BATCH = 10_000


def build(scale: float) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from portal.crm.models import Customer, Role, Staff, StaffRole, Store
    from portal.surveys.models import Answer, Invitation, Questionnaire, Response

    if Response.objects.exists():
        return
    users = get_user_model().objects
    stores = [Store.objects.get_or_create(name=f"门店{n:02d}", defaults={"region": "华东"})[0] for n in range(STORES)]
    sellers = []
    for store in stores:
        manager = users.create_user(username=f"manager{store.pk}")
        StaffRole.objects.create(staff=Staff.objects.create(user=manager, store=store), role=Role.STORE_MANAGER)
        for n in range(SALES_PER_STORE):
            user = users.create_user(username=f"sales{store.pk}-{n}")
            StaffRole.objects.create(staff=Staff.objects.create(user=user, store=store), role=Role.SALES)
            sellers.append((user.pk, store.pk))
    hq = users.create_user(username="hq")
    StaffRole.objects.create(staff=Staff.objects.create(user=hq), role=Role.HQ, group_wide=True)
    questionnaire = Questionnaire.objects.get(key="delivery", version=1)
    questions = [
        (q.pk, q.kind, q.topic) for q in questionnaire.questions.all() if q.kind in ("scale5", "scale10", "text")
    ]
    total = int(RESPONSES * scale)
    rng = random.Random(24)
    now = timezone.now()
    for start in range(0, total, BATCH):
        size = min(BATCH, total - start)
        with transaction.atomic():
            picks = [rng.choice(sellers) for _n in range(size)]
            customers = Customer.objects.bulk_create(
                Customer(
                    name=f"客户{start + n}", name_key=f"客户{start + n}", home_store_id=s, owner_id=u, stage="customer"
                )
                for n, (u, s) in enumerate(picks)
            )
            when = [now - timedelta(days=rng.uniform(0, DAYS)) for _n in range(size)]
            invitations = Invitation.objects.bulk_create(
                Invitation(
                    questionnaire=questionnaire,
                    customer=c,
                    reason="delivery",
                    store_id=s,
                    salesperson_id=u,
                    record=f"bench:{start + n}",
                    status="answered",
                    created_at=w,
                    expires_at=w + timedelta(days=14),
                )
                for n, (c, (u, s), w) in enumerate(zip(customers, picks, when, strict=True))
            )
            responses = []
            answers = []
            for inv, w in zip(invitations, when, strict=True):
                mood = rng.choice([5, 5, 5, 4, 4, 4, 3, 2, 1])
                responses.append(
                    Response(
                        invitation=inv,
                        questionnaire=questionnaire,
                        customer_id=inv.customer_id,
                        store_id=inv.store_id,
                        salesperson_id=inv.salesperson_id,
                        answered_by="customer",
                        answered_at=w + timedelta(hours=3),
                        index=(mood - 1) * 25.0,
                    )
                )
            Response.objects.bulk_create(responses)
            for r in responses:
                mood = r.index / 25 + 1
                for pk, kind, topic in questions:
                    if kind == "text":
                        continue
                    value = int(mood) if kind == "scale5" else int((mood - 1) * 2.5)
                    points = (value - 1) * 25.0 if kind == "scale5" else value * 10.0
                    answers.append(Answer(response=r, question_id=pk, topic=topic, number=value, points=points))
            Answer.objects.bulk_create(answers, batch_size=5000)
        print(f"  built {start + size:,} responses", flush=True)


def timed(label: str, run, rounds: int) -> None:
    times = []
    for _n in range(rounds):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:48s} p50 {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms   ({rounds} runs)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    django_in(f"surveys-v3-{args.scale:g}")
    build(args.scale)

    from django.contrib.auth import get_user_model

    from portal.crm.models import Customer, Store
    from portal.reports.satisfaction import satisfaction
    from portal.reports.window import add_months, month_end, month_start, today, window_for
    from portal.surveys import services
    from portal.surveys.models import Answer, Response

    print(f"{Response.objects.count():,} responses, {Answer.objects.count():,} answers")
    users = get_user_model().objects
    hq = users.get(username="hq")
    manager = users.filter(username__startswith="manager").order_by("pk").first()
    rng = random.Random(7)

    def month_params() -> dict[str, str]:
        first = add_months(month_start(today()), -rng.randint(1, 12))
        return {"start": first.isoformat(), "end": month_end(first).isoformat()}

    year = {"start": (today() - timedelta(days=364)).isoformat(), "end": today().isoformat()}
    for who, user in (("hq", hq), ("store manager", manager)):
        timed(
            f"satisfaction, {who}, a month",
            lambda u=user: _rows(satisfaction(window_for(u, month_params()))),
            args.rounds,
        )
        timed(f"satisfaction, {who}, a year", lambda u=user: _rows(satisfaction(window_for(u, year))), args.rounds)

    store = Store.objects.order_by("pk").first()
    questions = services.questionnaire_for("delivery").questions.all()
    answers = {
        q.pk: (4 if q.kind == "scale5" else 8 if q.kind == "scale10" else 0 if q.kind == "single" else "好")
        for q in questions
    }
    customers = list(Customer.objects.filter(home_store=store).order_by("pk")[: args.rounds * 4])
    fresh = iter(
        services.invitation_create(
            customer_id=c.pk,
            reason="delivery",
            record=f"bench-new:{c.pk}",
            store_id=store.pk,
            send=False,
        )
        for c in customers
    )
    timed(
        "response_record (one survey's answers)",
        lambda: services.response_record(invitation_id=next(fresh).pk, answers=answers),
        args.rounds * 4,
    )
    Response.objects.filter(invitation__record__startswith="bench-new:").delete()


def _rows(report) -> int:
    return sum(len(list(t.rows)) for t in report.tables)


if __name__ == "__main__":
    main()
