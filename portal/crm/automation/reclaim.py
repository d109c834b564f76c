"""The pool reclaim sweep: prospects nobody contacts go back to their store's pool.

Candidates are prospects with an owner and no recorded contact for the shortest
period the rule file names (``silent_days``), read in chunks by id. The
``pool_reclaim`` rules decide once per distinct combination of the fields their
conditions read (a decision depends on nothing else, and a million prospects
share a few hundred combinations), and each chunk's decisions are applied in one
transaction. A prospect is reclaimed or warned about only if, with its row
locked, its owner, stage and last contact are still what was read, so a contact
recorded meanwhile wins. Run twice, retried after a crash, or run by two workers
at once, the sweep decides nothing twice: reclaimed prospects are no longer
candidates, a second worker waits for the first's lock and then finds the row
changed or the warning's key taken.

The sweep can be split: ``part=(k, n)`` sweeps the owned prospects whose id is
``k`` modulo ``n``, so ``n`` workers share the book evenly, whatever its order
(workers.tasks.reclaim_part).
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils.translation import gettext_noop

from engine import api
from engine.api import Decision

from ..models import ChangeRecord, Customer, Store
from ..models.choices import Stage
from .rules import now_or
from .texts import english, text

CHUNK = 2000  # ids per IN (...) list when locking a chunk's rows again
RULES = "pool_reclaim"
TITLE = gettext_noop("Contact %(customer)s within %(days)s days")
INSTRUCTIONS = gettext_noop(
    "%(customer)s has had no recorded contact since %(date)s. Record a communication, or they return to the pool."
)


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


# A customer row as the sweep reads it: no joins (owners and stores are few, looked up once each), and
# the time its silence began (the last contact, or the creation if none) as one column.
ID, NAME, OWNER, INTENT, SOURCE, SINCE, STORE, STAGE = range(8)


def _columns() -> tuple[str, str]:
    """(the table, the columns of a row in the order above), quoted for this database."""
    quote = connection.ops.quote_name
    column = {f.name: quote(f.column) for f in Customer._meta.concrete_fields if f.column}
    since = f"COALESCE({column['last_contact_at']}, {column['created_at']})"
    names = ("id", "name", "owner", "intent_level", "source")
    fields = [column[n] for n in names] + [since, column["home_store"], column["stage"]]
    return quote(Customer._meta.db_table), ", ".join(fields)


def _aware(value: Any) -> datetime:
    """A time as the database gives it: PostgreSQL an aware datetime, SQLite (an expression has no declared
    type) the text Django stored, in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _read(where: str, params: list[Any], limit: int | None = None, lock: bool = False) -> list[tuple]:
    table, columns = _columns()
    sql = f"SELECT {columns} FROM {table} WHERE {where} ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(*r[:SINCE], _aware(r[SINCE]), *r[SINCE + 1 :]) for r in cursor.fetchall()]


def _owned_chunk(after: int, part: tuple[int, int] | None, silent_before: datetime | None) -> list[tuple]:
    """The next settings.LOTFLOW_RECLAIM_CHUNK owned prospects by id after ``after``: in ``part`` (k, n),
    those whose id is k modulo n; with ``silent_before``, only those silent since before it."""
    where = "stage = %s AND owner_id IS NOT NULL AND id > %s"
    params: list[Any] = [Stage.PROSPECT.value, after]
    if part is not None:
        where += " AND id %% %s = %s"
        params += [part[1], part[0]]
    if silent_before is not None:
        where += " AND COALESCE(last_contact_at, created_at) < %s"
        params.append(connection.ops.adapt_datetimefield_value(silent_before))
    return _read(where, params, settings.LOTFLOW_RECLAIM_CHUNK)


class _Names:
    """Owners' usernames and stores' names and regions, read once per sweep as they are met."""

    def __init__(self) -> None:
        self.users: dict[int, str] = {}
        self.stores: dict[int, tuple[str, str]] = {}

    def read(self, rows: list[tuple]) -> None:
        users = {r[OWNER] for r in rows if r[OWNER] is not None} - self.users.keys()
        if users:
            self.users.update(get_user_model().objects.filter(pk__in=users).values_list("pk", "username"))
        stores = {r[STORE] for r in rows} - self.stores.keys()
        if stores:
            found = Store.objects.filter(pk__in=stores).values_list("pk", "name", "region")
            self.stores.update({pk: (name, region) for pk, name, region in found})


def prospect_facts(rows: list[tuple], at: datetime, names: _Names | None = None) -> list[dict[str, Any]]:
    """The pool_reclaim facts of customer rows (as ``_read`` gives them)."""
    if names is None:
        names = _Names()
    names.read(rows)
    tags = _tags([r[ID] for r in rows])
    return [
        {
            "id": r[ID],
            "stage": r[STAGE],
            "owner": names.users.get(r[OWNER]),
            "intent_level": r[INTENT],
            "source": r[SOURCE],
            "tags": tags.get(r[ID], []),
            "days_without_contact": (at - r[SINCE]).days,
            "store": names.stores.get(r[STORE], ("", ""))[0],
            "region": names.stores.get(r[STORE], ("", ""))[1],
        }
        for r in rows
    ]


def facts_of_customer(reference: str) -> list[dict[str, Any]]:
    """For `rules dryrun pool_reclaim --of CUSTOMER_ID`."""
    rows = _read("id = %s", [int(reference)]) if reference.isdigit() and len(reference) <= 18 else []
    return prospect_facts(rows, now_or(None))


def _tags(ids: list[int]) -> dict[int, list[str]]:
    """The tags of these customers (ids in order), read by the range of their ids: one index range scan."""
    tags: dict[int, list[str]] = {}
    if not ids:
        return tags
    wanted = set(ids)
    found = Customer.tags.through.objects.filter(customer_id__gte=ids[0], customer_id__lte=ids[-1])
    for customer_id, name in found.values_list("customer_id", "tag__name"):
        if customer_id in wanted:
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


class _Rules:
    """The rule file in force when the sweep began, asked once per distinct combination of the fields its
    conditions read (the same file decides the whole sweep, even if an admin saves a new one meanwhile)."""

    def __init__(self) -> None:
        self.text, _version = api.rules_text(RULES)
        ruleset = api.check_rules(self.text)
        self.constants = dict(ruleset.constants)
        self.fields = sorted(_fields_read([rule.condition for rule in ruleset.rules]))
        self.known: dict[tuple, list[Decision]] = {}

    def decide(self, facts: list[dict[str, Any]]) -> list[Decision]:
        keys = [tuple(_hashable(fact.get(name)) for name in self.fields) for fact in facts]
        new: dict[tuple, dict[str, Any]] = {}
        for key, fact in zip(keys, facts, strict=True):
            if key not in self.known and key not in new:
                new[key] = {**fact, "id": len(new)}
        if new:
            found: list[list[Decision]] = [[] for _ in new]
            for decision in api.dry_run_rules(text=self.text, facts=list(new.values())):
                found[decision.fact].append(decision)
            self.known.update(zip(new, found, strict=True))
        return [replace(d, fact=fact["id"]) for key, fact in zip(keys, facts, strict=True) for d in self.known[key]]


def _fields_read(conditions: list[Any]) -> set[str]:
    """The fact fields the conditions compare (a condition is a comparison, or a junction of parts)."""
    found: set[str] = set()
    pending = [c for c in conditions if c is not None]
    while pending:
        node = pending.pop()
        if hasattr(node, "parts"):
            pending.extend(node.parts)
        else:
            found.add(node.field)
    return found


def _hashable(value: Any) -> Any:
    return tuple(sorted(value)) if isinstance(value, list | tuple | set | frozenset) else value


def sweep_reclaim(
    *, now: datetime | None = None, preview: bool = False, part: tuple[int, int] | None = None
) -> SweepReport:
    """Sweep every owned prospect (or, with ``part=(k, n)``, those whose id is k modulo n)."""
    at = now_or(now)
    rules = _Rules()
    cutoff = at - timedelta(days=silent_days(rules.constants))
    report = SweepReport("reclaim", at, preview)
    names = _Names()
    last_id = 0
    # Not previewed, the sweep reads every owned prospect: the rules decide on the candidates,
    # and the facts of the others are recorded too, so that a replay of an edit that reclaims
    # sooner sees them (engine.api.replay_rules).
    while True:
        read = _owned_chunk(last_id, part, cutoff if preview else None)
        if not read:
            return report
        last_id = read[-1][ID]
        rows = {r[ID]: r for r in read if r[SINCE] < cutoff}
        report.candidates += len(rows)
        facts = prospect_facts(read, at, names)
        decisions = [d for d in rules.decide([f for f in facts if f["id"] in rows]) if d.action != "keep"]
        if not preview:
            # The facts of every prospect read are kept for replays, in one record per chunk.
            api.evaluate_rules(RULES, [], at=at, record=True, seen=facts)
            decisions = _apply(decisions, rows, at, names)
        for decision in decisions:
            report.actions[decision.action] += 1
            if preview:
                row = rows[decision.fact]
                report.details.append(
                    {
                        "customer": row[ID],
                        "name": row[NAME],
                        "owner": names.users.get(row[OWNER]),
                        "action": decision.action,
                        "rule": decision.rule,
                        **decision.params,
                    }
                )


@transaction.atomic
def _apply(decisions: list[Decision], rows: dict[int, tuple], at: datetime, names: _Names) -> list[Decision]:
    """One chunk, all or nothing: a crash leaves each prospect reclaimed or not, never half. Returns the
    decisions applied: those whose prospect, its row locked, is still as it was read."""
    decisions = _still_as_read(decisions, rows)
    reclaim = [d for d in decisions if d.action == "return_to_pool"]
    if reclaim:
        _return_to_pool(reclaim, rows, at, names)
    warnings = []
    # English as written in the code, each message translated once (engine.api.render_text does the same).
    title_en, instructions_en = english(text(TITLE)), english(text(INSTRUCTIONS))
    for decision in decisions:
        if decision.action != "warn_owner":
            continue
        row = rows[decision.fact]
        since = row[SINCE].date().isoformat()
        # Stored as messages: the owner reads them in their language, whatever the sweep's.
        title = text(TITLE, customer=row[NAME], days=int(decision.params["days_left"]))
        instructions = text(INSTRUCTIONS, customer=row[NAME], date=since)
        warnings.append(
            {
                "kind": "warning",
                "key": f"reclaim-warning:{row[ID]}:{since}",
                "assignee_id": row[OWNER],
                "store_id": row[STORE],
                "title": title_en % title["params"],
                "texts": {"title": title, "instructions": instructions},
                "subject_label": row[NAME],
                "subject_ref": f"customer:{row[ID]}",
                "priority": 2,
                "due_at": at + timedelta(days=int(decision.params["days_left"])),
                "instructions": instructions_en % instructions["params"],
            }
        )
    api.create_items(warnings)
    return decisions


def _still_as_read(decisions: list[Decision], rows: dict[int, tuple]) -> list[Decision]:
    """The decisions whose prospect still has the owner, stage and silence the sweep read, with its row
    locked until the chunk commits (PostgreSQL: in id order, so two workers never deadlock; SQLite: the
    transaction holds the database's write lock from its start). A second worker deciding the same prospect
    waits here, then finds it reclaimed, or its warning's key taken."""
    ids = sorted({d.fact for d in decisions})
    now_as: dict[int, tuple] = {}
    for start in range(0, len(ids), CHUNK):
        some = ids[start : start + CHUNK]
        now_as.update((r[ID], r) for r in _read(f"id IN ({', '.join(['%s'] * len(some))})", some, lock=True))
    still = {i for i in ids if i in now_as and _as_read(now_as[i]) == _as_read(rows[i])}
    return [d for d in decisions if d.fact in still]


def _as_read(row: tuple) -> tuple:
    return row[OWNER], row[STAGE], row[SINCE]


def _return_to_pool(decisions: list[Decision], rows: dict[int, tuple], at: datetime, names: _Names) -> None:
    ids = [d.fact for d in decisions]
    table, when = connection.ops.quote_name(Customer._meta.db_table), connection.ops.adapt_datetimefield_value
    changes = connection.ops.quote_name(ChangeRecord._meta.db_table)
    with connection.cursor() as cursor:
        # Locked and checked by _still_as_read; the guard says again what the update may touch.
        cursor.execute(
            f"UPDATE {table} SET owner_id = NULL, pooled_at = %s"
            f" WHERE id IN ({', '.join(['%s'] * len(ids))}) AND stage = %s AND owner_id IS NOT NULL",
            [when(at), *ids, Stage.PROSPECT.value],
        )
        cursor.executemany(
            f"INSERT INTO {changes} (entity, entity_id, field, old_value, new_value, actor_id, at, note)"
            " VALUES (%s, %s, %s, %s, %s, NULL, %s, %s)",
            [
                (
                    "customer",
                    d.fact,
                    "owner",
                    f"{rows[d.fact][OWNER]}:{names.users.get(rows[d.fact][OWNER], '')}",
                    "",
                    when(at),
                    f"returned to the pool: {d.params['reason']}"[:200],
                )
                for d in decisions
            ],
        )
    api.withdraw_items(subject_refs=[f"customer:{i}" for i in ids], kind="warning")
