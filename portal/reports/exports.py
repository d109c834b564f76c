"""A report downloaded: CSV streamed row by row (never built in memory), or an Excel workbook.

The CSV starts with a byte order mark so that Excel opens Chinese text as UTF-8. Each table of the
report comes under its title, a blank line between tables. Values are written as people read them,
except amounts and counts, which stay plain numbers so that a spreadsheet can add them up.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .tables import PERCENT, TIME, Report, Table
from .window import Window, zone

# Excel's last row is 1,048,576; a larger export is refused with a message (the CSV has no limit).
EXCEL_MAX_ROWS = 1_000_000


class TooLarge(Exception):
    pass


class _Echo:
    """csv.writer writes into this; each line is handed on instead of kept."""

    def write(self, value: str) -> str:
        return value


def plain(kind: str, value: Any) -> Any:
    """A cell as exported: numbers stay numbers, dates and months as people write them."""
    if value is None:
        return ""
    if isinstance(value, datetime) and kind == TIME:
        return (timezone.localtime(value, zone()) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime):
        value = timezone.localtime(value, zone()).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return date_format(value, "YEAR_MONTH_FORMAT" if kind == "month" else "SHORT_DATE_FORMAT")
    if kind == PERCENT and isinstance(value, float):
        return round(value * 100, 1)
    if isinstance(value, float):
        return round(value, 2)
    return value if isinstance(value, int) else str(value)


def _header(table: Table) -> list[str]:
    return [str(c.label) + (" (%)" if c.kind == PERCENT else "") for c in table.columns]


def _lines(report: Report, w: Window) -> Iterator[list[Any]]:
    yield [str(report.title), f"{w.start.isoformat()} / {w.end.isoformat()}"]
    for n, table in enumerate(report.tables):
        if n:
            yield []
        yield [str(table.title)]
        yield _header(table)
        for row in table.rows:
            yield [plain(c.kind, row.get(c.key)) for c in table.columns]


def csv_response(report: Report, w: Window) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterable[str]:
        yield "\ufeff"
        for line in _lines(report, w):
            yield writer.writerow(line)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, w)}.csv"'
    return response


def excel_response(report: Report, w: Window) -> FileResponse:
    """A write-only workbook (rows go to a temporary file as they come), one sheet per table."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for n, table in enumerate(report.tables):
        sheet = book.create_sheet(title=f"{n + 1} {str(table.title)[:25]}".replace("/", " ").replace(":", " "))
        sheet.append(_header(table))
        for count, row in enumerate(table.rows, start=1):
            if count > EXCEL_MAX_ROWS:
                raise TooLarge(
                    _(
                        "This table has more than %(rows)s rows, more than Excel holds: download it as CSV or choose "
                        "a shorter range."
                    )
                    % {"rows": f"{EXCEL_MAX_ROWS:,}"}
                )
            sheet.append([plain(c.kind, row.get(c.key)) for c in table.columns])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    book.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{_filename(report, w)}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _filename(report: Report, w: Window) -> str:
    return f"lotflow-{report.name}-{w.start.isoformat()}-{w.end.isoformat()}"
