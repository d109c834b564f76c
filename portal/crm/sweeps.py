"""The sweeps the workers run and `manage.py sweep` runs by hand, by name.

Above both the rules (``automation``) and the services: the thresholds sweep decides
what stock should move, then the services start the processes for its drafts.
"""

from collections.abc import Callable
from datetime import datetime

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


SWEEPS: dict[str, Callable[..., SweepReport]] = {
    "reclaim": sweep_reclaim,
    "reminders": sweep_reminders,
    "scores": sweep_scores,
    "thresholds": thresholds_and_drafts,
}

__all__ = ["SWEEPS", "SweepReport"]
