"""Shared plumbing for the sweeps: the rule set constants and a clock-aware "now"."""

from datetime import datetime
from typing import Any

from engine import api


def constants(ruleset: str) -> dict[str, Any]:
    """The `set` values of the rule set in force (numbers of the business live in the file)."""
    return api.rules_constants(ruleset)


def now_or(at: datetime | None) -> datetime:
    return at or api.now()
