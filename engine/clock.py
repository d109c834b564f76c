"""The one clock the engine reads, SpiffWorkflow's timer checks included.

Tests and ``manage.py timers --now`` move it; everything else gets real time.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.utils.translation import gettext as _

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Make ``now()`` return ``at`` until ``freeze(None)``."""
    global _frozen_at  # noqa: PLW0603 - one clock per process, moved only by tests and --now
    if at is not None and at.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware time")
    _frozen_at = at.astimezone(UTC) if at is not None else None


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    previous = _frozen_at
    freeze(at)
    try:
        yield
    finally:
        freeze(previous)


def parse_aware(text: str) -> datetime:
    """An ISO 8601 time that names its offset (``Z`` accepted); ValueError says what is wrong."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(_("%(text)s needs a timezone offset (e.g. +08:00 or Z)") % {"text": text})
    return at
