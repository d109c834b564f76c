"""The pool reclaim sweep: prospects nobody contacts go back to their store's pool.

Candidates are prospects with an owner and no recorded contact for the shortest
period the rule file names (``silent_days``), read in chunks by id; the
``pool_reclaim`` rules decide on each chunk, and the chunk's decisions are
applied in one transaction. A prospect is reclaimed only if its owner and last
contact are still what was read (a conditional UPDATE), so a contact recorded
meanwhile wins. Run twice, or retried after a crash, the sweep changes nothing
more: reclaimed prospects are no longer candidates, and warnings carry a key.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from engine import api
from engine.api import Decision

from ..models import ChangeRecord, Customer
from ..models.choices import Stage
from .rules import constants, now_or
from .texts import english, text

CHUNK = 2000


@dataclass
class SweepReport:
    """What a sweep did (or, previewed, would do)."""

    name: str
    at: datetime
    preview: bool
    candidates: int = 0
    actions: Counter = field(default_factory=Counter)
    details: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "would" if self.preview else "did"
        head = f"{self.name} at {self.at.isoformat()}: {self.candidates} candidate(s)"
        return [head] + [f"  {verb} {action}: {count}" for action, count in sorted(self.actions.items())]


ROW = (
    "id",
    "name",
    "owner_id",
    "owner__username",
    "intent_level",
    "source",
    "last_contact_at",
    "created_at",
    "home_store_id",
    "home_store__name",
    "home_store__region",
    "stage",
)


def _candidates(cutoff: datetime) -> Any:
    silent = Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff)
    return _owned().filter(silent)


def _owned() -> Any:
    return Customer.objects.filter(stage=Stage.PROSPECT, owner__isnull=False).order_by("id").values_list(*ROW)


def prospect_facts(rows: list[tuple], at: datetime) -> list[dict[str, Any]]:
    """The pool_reclaim facts of customer rows (in ROW's order)."""
    tags = _tags([r[0] for r in rows])
    return [
        {
            "id": r[0],
            "stage": r[11],
            "owner": r[3],
            "intent_level": r[4],
            "source": r[5],
            "tags": tags.get(r[0], []),
            "days_without_contact": (at - (r[6] or r[7])).days,
            "store": r[9],
            "region": r[10],
        }
        for r in rows
    ]


def facts_of_customer(reference: str) -> list[dict[str, Any]]:
    """For `rules dryrun pool_reclaim --of CUSTOMER_ID`."""
    rows = list(Customer.objects.filter(pk=int(reference)).values_list(*ROW)) if reference.isdigit() else []
    return prospect_facts(rows, now_or(None))


def _tags(ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    through = Customer.tags.through
    for customer_id, name in through.objects.filter(customer_id__in=ids).values_list("customer_id", "tag__name"):
        tags.setdefault(customer_id, []).append(name)
    return tags


def silent_days(values: dict[str, Any]) -> int:
    """How long a prospect is silent before the rules are asked about it: the smallest of
    ``candidate_after_days`` and every ``..._reclaim_after_days`` / ``..._warn_after_days`` of the file in force.

    So an admin who shortens the reclaim period to 20 days needs to change only that number: the sweep
    follows, and prospects silent 20 days are asked about the same night.
    """
    days = [
        int(value)
        for name, value in values.items()
        if name == "candidate_after_days" or name.endswith(("reclaim_after_days", "warn_after_days"))
    ]
    return min(days)


def sweep_reclaim(*, now: datetime | None = None, preview: bool = False) -> SweepReport:
    at = now_or(now)
    values = constants("pool_reclaim")
    cutoff = at - timedelta(days=silent_days(values))
    report = SweepReport("reclaim", at, preview)
    last_id = 0
    # Not previewed, the sweep reads every owned prospect: the rules decide on the candidates,
    # and the facts of the others are recorded too, so that a replay of an edit that reclaims
    # sooner sees them (engine.api.replay_rules).
    selected = _candidates(cutoff) if preview else _owned()
    while True:
        read = list(selected.filter(id__gt=last_id)[:CHUNK])
        if not read:
            return report
        last_id = read[-1][0]
        rows = [r for r in read if (r[6] or r[7]) < cutoff]
        report.candidates += len(rows)
        by_id = {r[0]: r for r in rows}
        facts = prospect_facts(read, at)
        candidates = [f for f in facts if f["id"] in by_id]
        others = [f for f in facts if f["id"] not in by_id]
        evaluated = api.evaluate_rules("pool_reclaim", candidates, at=at, record=not preview, seen=others)
        decisions = [d for d in evaluated if d.action != "keep"]
        for decision in decisions:
            report.actions[decision.action] += 1
            if preview:
                row = by_id[decision.fact]
                report.details.append(
                    {
                        "customer": row[0],
                        "name": row[1],
                        "owner": row[3],
                        "action": decision.action,
                        "rule": decision.rule,
                        **decision.params,
                    }
                )
        if not preview:
            _apply(decisions, by_id, at)


@transaction.atomic
def _apply(decisions: list[Decision], rows: dict[int, tuple], at: datetime) -> None:
    """One chunk, all or nothing: a crash leaves each prospect reclaimed or not, never half."""
    reclaim = [d for d in decisions if d.action == "return_to_pool"]
    if reclaim:
        _return_to_pool(reclaim, rows, at)
    warnings = []
    for decision in decisions:
        if decision.action != "warn_owner":
            continue
        row = rows[decision.fact]
        since = (row[6] or row[7]).date().isoformat()
        # Stored as messages: the owner reads them in their language, whatever the sweep's.
        title = text(
            gettext_noop("Contact %(customer)s within %(days)s days"),
            customer=row[1],
            days=int(decision.params["days_left"]),
        )
        instructions = text(
            gettext_noop(
                "%(customer)s has had no recorded contact since %(date)s. Record a communication, "
                "or they return to the pool."
            ),
            customer=row[1],
            date=since,
        )
        warnings.append(
            {
                "kind": "warning",
                "key": f"reclaim-warning:{row[0]}:{since}",
                "assignee_id": row[2],
                "store_id": row[8],
                "title": english(title),
                "texts": {"title": title, "instructions": instructions},
                "subject_label": row[1],
                "subject_ref": f"customer:{row[0]}",
                "priority": 2,
                "due_at": at + timedelta(days=int(decision.params["days_left"])),
                "instructions": english(instructions),
            }
        )
    api.create_items(warnings)


def _return_to_pool(decisions: list[Decision], rows: dict[int, tuple], at: datetime) -> None:
    table = Customer._meta.db_table
    when = connection.ops.adapt_datetimefield_value
    reclaimed: list[ChangeRecord] = []
    with connection.cursor() as cursor:
        for decision in decisions:
            row = rows[decision.fact]
            # Only if nobody took, released or contacted it since it was read.
            contact = "last_contact_at = %s" if row[6] is not None else "last_contact_at IS NULL"
            params = [when(at), row[0], row[2], Stage.PROSPECT.value] + ([when(row[6])] if row[6] is not None else [])
            cursor.execute(
                f"UPDATE {table} SET owner_id = NULL, pooled_at = %s"
                f" WHERE id = %s AND owner_id = %s AND stage = %s AND {contact}",
                params,
            )
            if cursor.rowcount:
                reclaimed.append(
                    ChangeRecord(
                        entity="customer",
                        entity_id=row[0],
                        field="owner",
                        old_value=f"{row[2]}:{row[3]}",
                        new_value="",
                        at=at,
                        note=f"returned to the pool: {decision.params['reason']}",
                    )
                )
    ChangeRecord.objects.bulk_create(reclaimed, batch_size=1000)
    api.withdraw_items(subject_refs=[f"customer:{r.entity_id}" for r in reclaimed], kind="warning")
