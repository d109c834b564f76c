"""The replay of an edit of a rule set over the facts its evaluations recorded (engine.rules.recorded).

The edited text and the version in force decide on every recorded fact of the
last N days, evaluation by evaluation, so the replay sees the prospects, leads
and stock levels as they were when the sweeps ran, not today's records. A
decision depends only on the fields the conditions read, so each distinct
combination of those fields is evaluated once per text (durable_rules does the
deciding, as in the sweeps), and counting is done per combination: 30 days of
a million customers' facts replay in seconds of CPU, not hours. Nothing is
written but the replay's lock row: one replay at a time per rule set, across
processes.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from .. import clock
from ..errors import Conflict, NotFound, Problem
from ..models import RuleFactRecord, RuleReplayLock
from . import catalog
from .host import EVALUATOR, Compiled, Decision, compile_ruleset
from .language import ALWAYS, Compare
from .recorded import decode, facts_of
from .versions import RulesRefused, check_text, in_force_with_version

DEFAULT_DAYS = 30
PAGE = 200
LOCK_STALE = timedelta(minutes=15)  # a replay that crashed without releasing its lock
_EVALUATE_BATCH = 5000


# --- the lock ---------------------------------------------------------------


class ReplayRunning(Conflict):
    """A replay of the same rule set is running (in this or another process)."""

    def __init__(self, ruleset: str, started_at: datetime | None):
        self.ruleset, self.started_at = ruleset, started_at
        since = f" since {started_at.isoformat()}" if started_at else ""
        super().__init__(f"a replay of {ruleset} is running{since}; try again when it ends")


@contextmanager
def replay_lock(name: str) -> Iterator[None]:
    """Hold the rule set's replay lock (a row in the database, which web and workers share)."""
    at = clock.now()
    RuleReplayLock.objects.filter(ruleset=name, started_at__lt=at - LOCK_STALE).delete()
    try:
        with transaction.atomic():
            RuleReplayLock.objects.create(ruleset=name, started_at=at)
    except IntegrityError:
        started = RuleReplayLock.objects.filter(ruleset=name).values_list("started_at", flat=True).first()
        raise ReplayRunning(name, started) from None
    try:
        yield
    finally:
        RuleReplayLock.objects.filter(ruleset=name, started_at=at).delete()


# --- replay -----------------------------------------------------------------


@dataclass
class _Outcome:
    decisions: list[Decision]
    labels: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


def _fields_read(compiled: Compiled) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Compare):
            if node.field != ALWAYS:
                found.add(node.field)
        elif node is not None:
            for part in node.parts:
                walk(part)

    for rule in compiled.ruleset.rules:
        walk(rule.condition)
    return found


def label(decision: Decision) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """What a decision does: its action and the parameters that are values (not texts people read)."""
    action = catalog.action_type(decision.action)
    shown = {name for name, param in action.params.items() if param.shown} if action else set()
    return decision.action, tuple(sorted((k, v) for k, v in decision.params.items() if k not in shown))


def replay(
    name: str,
    edited: Compiled,
    in_force: Compiled,
    *,
    version: int | None,
    days: int = DEFAULT_DAYS,
    offset: int = 0,
    limit: int = PAGE,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Decisions of the version in force and of the edit over the facts recorded in the last ``days``.

    Returns counts per decision (old and new) and the facts whose decisions differ, old
    against new, ``limit`` of them from ``offset``, with their total. Writes nothing.
    """
    fact_type = catalog.fact_type(in_force.ruleset.facts)
    if fact_type is None:
        raise NotFound(f"rule set {name} reads {in_force.ruleset.facts}, which is not registered")
    until = now or clock.now()
    since = until - timedelta(days=days)
    read = sorted(_fields_read(edited) | _fields_read(in_force))
    wanted = set(read)
    fields = list(fact_type.fields)
    outcomes: dict[tuple, tuple[_Outcome, _Outcome]] = {}
    seen: Counter = Counter()
    changed: list[dict[str, Any]] = []
    changed_total = evaluations = facts = 0
    changed_keys: set[tuple] = set()
    rows = (
        RuleFactRecord.objects.filter(ruleset=name, at__gte=since, at__lte=until)
        .order_by("at", "id")
        .values_list("at", "data")
    )
    with replay_lock(name):
        for at, data in rows.iterator(chunk_size=100):
            count, columns = decode(data, wanted, hashable=True)
            evaluations += 1
            facts += count
            empty = [None] * count
            keyed = [columns.get(f, empty) for f in read]
            keys = list(zip(*keyed, strict=True)) if read else [()] * count
            new_keys = set(keys).difference(outcomes)
            if new_keys:
                _decide(sorted(new_keys, key=repr), read, fields, edited, in_force, outcomes, changed_keys)
            tally = Counter(keys)
            seen.update(tally)
            if not changed_keys:
                continue
            first = changed_total
            changed_total += sum(n for key, n in tally.items() if key in changed_keys)
            if changed_total <= offset or first >= offset + limit:
                continue  # none of this evaluation's changes is on the page: no need to read its facts
            positions = [position for position, key in enumerate(keys) if key in changed_keys]
            every = facts_of(data)
            for number, position in enumerate(positions, start=first + 1):
                if offset < number <= offset + limit:
                    old, new = outcomes[keys[position]]
                    changed.append(
                        {
                            "at": at,
                            "fact": every[position],
                            "old": [_shown(d) for d in old.decisions],
                            "new": [_shown(d) for d in new.decisions],
                        }
                    )
    counts: dict[tuple, list[int]] = {}
    for key, n in seen.items():
        old, new = outcomes[key]
        for side, outcome in ((0, old), (1, new)):
            for found in outcome.labels:
                counts.setdefault(found, [0, 0])[side] += n
    return {
        "ruleset": name,
        "kind": in_force.ruleset.facts,  # the kind of fact: prospect, lead, stock, ...
        "version": version,
        "days": days,
        "since": since,
        "until": until,
        "evaluations": evaluations,
        "facts": facts,
        "counts": [
            {"action": action, "params": dict(params), "old": old, "new": new}
            for (action, params), (old, new) in sorted(counts.items(), key=lambda item: (item[0][0], repr(item[0][1])))
        ],
        "changed_total": changed_total,
        "changed": changed,
        "offset": offset,
        "limit": limit,
    }


def _shown(decision: Decision) -> dict[str, Any]:
    return {k: v for k, v in decision.as_dict().items() if k != "fact"}


def _decide(
    keys: list[tuple],
    read: list[str],
    fields: list[str],
    edited: Compiled,
    in_force: Compiled,
    outcomes: dict[tuple, tuple[_Outcome, _Outcome]],
    changed_keys: set[tuple],
) -> None:
    """Evaluate each new combination of the fields the rules read, with both texts."""
    for start in range(0, len(keys), _EVALUATE_BATCH):
        batch = keys[start : start + _EVALUATE_BATCH]
        facts = []
        for index, key in enumerate(batch):
            fact: dict[str, Any] = {"id": index}
            for name, value in zip(read, key, strict=True):
                fact[name] = list(value) if isinstance(value, tuple) else value
            facts.append(fact)
        by_side = []
        for compiled in (in_force, edited):
            found: dict[int, list[Decision]] = {}
            for decision in EVALUATOR.evaluate(compiled, facts, fields):
                found.setdefault(decision.fact, []).append(decision)
            by_side.append(found)
        for index, key in enumerate(batch):
            old, new = (_Outcome(side.get(index, []), tuple(label(d) for d in side.get(index, []))) for side in by_side)
            outcomes[key] = (old, new)
            if sorted(old.labels, key=repr) != sorted(new.labels, key=repr):
                changed_keys.add(key)


def replay_edit(
    name: str, text: str, *, days: int = DEFAULT_DAYS, offset: int = 0, now: datetime | None = None
) -> dict[str, Any]:
    """Replay an edited text of rule set ``name`` against the version in force (see ``replay``).

    A text with mistakes raises RulesRefused with every problem and its line; a replay of
    the same rule set already running raises ReplayRunning.
    """
    ruleset = check_text(text)
    if ruleset.name != name:
        where = f"line {ruleset.lines.get('ruleset', 1)}"
        raise RulesRefused([Problem("(text)", where, f"the text is rule set {ruleset.name}; this is {name}")])
    current, version = in_force_with_version(name)
    if ruleset.facts != current.ruleset.facts:
        where = f"line {ruleset.lines.get('facts', 1)}"
        reason = f"the edit reads {ruleset.facts} facts; {name} records {current.ruleset.facts}"
        raise RulesRefused([Problem("(text)", where, reason)])
    edited = compile_ruleset(ruleset, text)
    return replay(name, edited, current, version=version, days=days, offset=offset, now=now)
