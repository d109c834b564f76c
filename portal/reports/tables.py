"""A report as the pages, the charts and the exports read it: tables of columns and rows, and a chart spec.

Measures (``portal.reports.measures``) fill these; the views show them, ``exports`` streams them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

TEXT, NUMBER, YUAN, PERCENT, DAYS, SCORE, TIME = "text", "number", "yuan", "percent", "days", "score", "time"


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translated string
    kind: str = NUMBER


@dataclass
class Chart:
    """What to draw: ``kind`` bar, line or funnel; categories from the ``x`` column, one series per ``series``
    column (or, with ``pivot``, one series per value of that column)."""

    kind: str
    x: str
    series: list[str]
    pivot: str = ""
    stack: bool = False


@dataclass
class Table:
    title: Any
    columns: list[Column]
    rows: Iterable[dict[str, Any]]
    chart: Chart | None = None
    note: Any = ""
    # A table whose rows are records (portal.reports.lists) shows a page of them and exports them all.
    page_rows: int | None = None
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    name: str
    title: Any
    tables: list[Table]
    method: Any = ""


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """part / whole, or None when there is nothing to divide by (shown as a dash, never as 0 %)."""
    if part is None or not whole:
        return None
    return part / whole


def change(now: float | int | None, before: float | int | None) -> float | None:
    """The relative change from ``before`` to ``now`` (0.25 = +25 %); None when before is zero."""
    if now is None or not before:
        return None
    return (now - before) / before
