"""Shared plumbing for the sweeps: the rule set constants and a clock-aware "now"."""

from datetime import datetime
from typing import Any

from engine import clock
from engine.rules import versions


def constants(ruleset: str) -> dict[str, Any]:
    """The `set` values of the rule set in force (numbers of the business live in the file)."""
    return dict(versions.in_force(ruleset).ruleset.constants)


def now_or(at: datetime | None) -> datetime:
    return at or clock.now()
