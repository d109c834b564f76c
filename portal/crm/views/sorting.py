"""Lists sorted by their column headers: each sortable header is a link to the same list (its filters and
page kept) sorted by that column, the current one marked with ``aria-sort`` and an arrow, a second click
turning it round. On a phone, where a list shows as cards without its header row, the same links sit
above the list."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.http import urlencode


@dataclass(frozen=True)
class Column:
    """A sortable column: the ``sort`` values that order it up and down, and which comes first."""

    key: str
    label: Any
    ascending: str
    descending: str
    first: str = "ascending"  # what a click on a column not yet sorted gives (newest, highest first: descending)


@dataclass(frozen=True)
class Header:
    key: str
    label: Any
    url: str
    aria_sort: str  # "ascending", "descending", or "" for a column the list is not sorted by

    @property
    def arrow(self) -> str:
        return {"ascending": "▲", "descending": "▼"}.get(self.aria_sort, "")


def sort_headers(request: HttpRequest, columns: list[Column], current: str) -> dict[str, Header]:
    """column key -> its header, for the list sorted by ``current`` (a ``sort`` value)."""
    headers = {}
    for column in columns:
        direction = "ascending" if current == column.ascending else "descending" if current == column.descending else ""
        if direction:
            wanted = column.descending if direction == "ascending" else column.ascending
        else:
            wanted = column.ascending if column.first == "ascending" else column.descending
        query = [(k, v) for k, values in request.GET.lists() if k != "sort" for v in values]
        headers[column.key] = Header(
            key=column.key,
            label=column.label,
            url="?" + urlencode([*query, ("sort", wanted)]),
            aria_sort=direction,
        )
    return headers
