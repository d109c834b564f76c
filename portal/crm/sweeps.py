"""The sweeps the workers run and `manage.py sweep` runs by hand, by name.

Above both the rules (``automation``) and the services: the thresholds sweep decides
what stock should move, then the services start the processes for its drafts.
"""

from collections.abc import Callable
from datetime import datetime

from engine import api

from .automation.reclaim import SweepReport, sweep_reclaim
from .automation.reminders import sweep_reminders
from .automation.scoring import sweep_scores
from .automation.thresholds import sweep_thresholds
from .services.stock_drafts import drafts_submit


def thresholds_and_drafts(
    *, now: datetime | None = None, preview: bool = False, store_ids: list[int] | None = None
) -> SweepReport:
    """The thresholds sweep, then every draft it (or an earlier run) left starts its process
    at the manager's review (issue 12)."""
    report = sweep_thresholds(now=now, preview=preview, store_ids=store_ids)
    if not preview:
        report.actions.update(drafts_submit())
    return report


def reclaim_and_purge(*, now: datetime | None = None, preview: bool = False) -> SweepReport:
    """The nightly reclaim sweep, then the recorded rule facts past their retention are purged
    (engine.api.purge_rule_facts; settings.LOTFLOW["RULE_FACTS_KEEP_DAYS"])."""
    report = sweep_reclaim(now=now, preview=preview)
    if not preview:
        purge_rule_facts(report, now=now)
    return report


def purge_rule_facts(report: SweepReport, *, now: datetime | None = None) -> None:
    purged = api.purge_rule_facts(now=now)
    if purged:
        report.actions["rule fact records purged"] += purged


def reclaim_part(*, part: int, parts: int, now: datetime) -> SweepReport:
    """One worker's share of a reclaim sweep split in ``parts`` (the prospects whose id is ``part`` modulo
    ``parts``), all at the same ``now``: parts that overlap, or run twice, decide nothing twice."""
    if not 0 <= part < parts:
        raise ValueError(f"part {part} of {parts}: a part is 0 to {parts - 1}")
    return sweep_reclaim(now=now, part=(part, parts))


SWEEPS: dict[str, Callable[..., SweepReport]] = {
    "reclaim": reclaim_and_purge,
    "reminders": sweep_reminders,
    "scores": sweep_scores,
    "thresholds": thresholds_and_drafts,
}

__all__ = ["SWEEPS", "SweepReport", "purge_rule_facts", "reclaim_part"]
