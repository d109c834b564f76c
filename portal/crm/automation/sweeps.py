"""The sweeps the workers run and `manage.py sweep` runs by hand, by name."""

from collections.abc import Callable

from .reclaim import SweepReport, sweep_reclaim
from .reminders import sweep_reminders
from .scoring import sweep_scores
from .thresholds import sweep_thresholds

SWEEPS: dict[str, Callable[..., SweepReport]] = {
    "reclaim": sweep_reclaim,
    "reminders": sweep_reminders,
    "scores": sweep_scores,
    "thresholds": sweep_thresholds,
}

__all__ = ["SWEEPS", "SweepReport"]
