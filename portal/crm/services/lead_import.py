"""Lead import from a CSV or Excel file, run by the workers with a progress page and a report per row.

The upload is checked at once for what refuses the whole file (not UTF-8, not a spreadsheet, a spreadsheet
that expands past its limit, no name or phone column, too many rows) and stored on a ``LeadImport`` row;
a worker then reads it row by row. Every row problem is reported with its line, never a 500: a row with
fewer or more fields than the header, a field longer than its column allows, a NUL byte, a quote opened and
never closed (the rest of the file is not read, and the report says from which line). Each row is received
in its own transaction together with the job's progress, so a worker that dies half way resumes after the
last row it finished and imports none twice.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import crypto
from ..models import LeadImport, LeadImportStatus, Source
from .attachments import read_limited
from .leads import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, lead_receive

# The longest value each column may hold (characters); other columns: DEFAULT_FIELD_LIMIT.
FIELD_LIMITS = {"name": 100, "phone": 30, "email": 254, "note": 2000}
DEFAULT_FIELD_LIMIT = 200


@dataclass
class Row:
    line: int
    values: dict[str, str] | None  # None: the row is refused for ``problem``
    problem: str = ""


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _row_problem(header: list[str], values: list[str]) -> str:
    if len(values) != len(header):
        return ngettext(
            "has %(found)s field where the first line names %(expected)s.",
            "has %(found)s fields where the first line names %(expected)s.",
            len(values),
        ) % {"found": len(values), "expected": len(header)}
    for column, value in zip(header, values, strict=True):
        if "\x00" in value:
            return _("the column %(column)s holds a NUL character.") % {"column": column or "?"}
        limit = FIELD_LIMITS.get(column, DEFAULT_FIELD_LIMIT)
        if len(value) > limit:
            return _("the column %(column)s is %(length)s characters long; at most %(limit)s.") % {
                "column": column,
                "length": len(value),
                "limit": limit,
            }
    return ""


def _csv_rows(raw: bytes) -> tuple[list[str], Iterator[Row]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ValidationError({"file": _("The CSV is not UTF-8 text (line %(line)s).") % {"line": line}}) from None
    # A field longer than its column allows is reported by _row_problem, so the csv module's own ceiling
    # (128 KB by default, an error that would stop the reading) is the file's size, already bounded by the upload limit.
    csv.field_size_limit(max(len(text) + 1, csv.field_size_limit()))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as err:
        raise ValidationError({"file": _("Line 1 cannot be read: %(error)s.") % {"error": err}}) from None

    def rows() -> Iterator[Row]:
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield Row(
                    start,
                    None,
                    _("%(error)s; from this line on, the file was not read (a quote opened and never closed?).")
                    % {"error": err},
                )
                return
            if not any(v.strip() for v in values):
                continue
            problem = _row_problem(header, values)
            yield Row(start, None if problem else dict(zip(header, values, strict=True)), problem)

    return header, rows()


def _xlsx_rows(raw: bytes) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook

    try:
        expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except zipfile.BadZipFile:
        raise ValidationError({"file": _("Not a readable Excel .xlsx file (it is not a zip archive).")}) from None
    # A spreadsheet is a zip: what it holds once unpacked is checked before openpyxl unpacks it.
    limit = settings.LOTFLOW_IMPORT_MAX_EXPANDED_BYTES
    if expanded > limit:
        raise ValidationError(
            {
                "file": _("The spreadsheet unpacks to %(mb)s MB; at most %(limit)s MB.")
                % {"mb": round(expanded / 2**20, 1), "limit": round(limit / 2**20, 1)}
            }
        )
    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ValidationError(
            {"file": _("Not a readable Excel .xlsx file (%(error)s).") % {"error": err.__class__.__name__}}
        ) from None
    cells = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip().lower() for h in next(cells, ())]

    def rows() -> Iterator[Row]:
        for number, found in enumerate(cells, start=2):
            if found is None or all(v in (None, "") for v in found):
                continue
            values = ["" if v is None else str(v) for v in found]
            # Trailing empty cells are not missing fields.
            while len(values) > len(header) and values[-1] == "":
                values.pop()
            values += [""] * (len(header) - len(values))
            problem = _row_problem(header, values)
            yield Row(number, None if problem else dict(zip(header, values, strict=True)), problem)

    return header, rows()


def _read(raw: bytes, filename: str) -> tuple[list[str], Iterator[Row]]:
    is_xlsx = filename.lower().endswith(".xlsx") or raw[:2] == b"PK"
    header, rows = _xlsx_rows(raw) if is_xlsx else _csv_rows(raw)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            {
                "file": ngettext(
                    "Missing column: %(missing)s (line 1 must name the columns: %(required)s, "
                    "and optionally %(optional)s).",
                    "Missing columns: %(missing)s (line 1 must name the columns: %(required)s, "
                    "and optionally %(optional)s).",
                    len(missing),
                )
                % {
                    "missing": ", ".join(missing),
                    "required": ", ".join(REQUIRED_COLUMNS),
                    "optional": ", ".join(OPTIONAL_COLUMNS),
                }
            }
        )
    return header, rows


IMPORT_PURPOSE = "crm.leadimport.content"


def lead_import_queue(*, by: Any, filename: str, stream: IO[bytes]) -> LeadImport:
    """Check the file as a whole, count its rows and store it for a worker; refusals name the file's problem."""
    raw = read_limited(stream, filename)
    _header, rows = _read(raw, filename)
    total = 0
    limit = settings.LOTFLOW_IMPORT_MAX_ROWS
    for total, _row in enumerate(rows, start=1):
        if total > limit:
            raise ValidationError(
                {"file": _("The file has more than %(limit)s rows; split it into smaller files.") % {"limit": limit}}
            )
    # Sealed while it waits (a lead file is phones and names); emptied when the import is done.
    return LeadImport.objects.create(
        by=by, filename=filename[:200], content=crypto.seal_bytes(raw, IMPORT_PURPOSE), total_rows=total
    )


def lead_import_run(job_id: int) -> LeadImport:
    """Receive the job's rows from where it stopped (a worker's task; safe to run again, even twice at once).

    Each row is received in one transaction with the job's progress, under a lock of the job's row: a run
    that finds the row already counted (an earlier run died after it, or another run is ahead) skips it.
    """
    job = LeadImport.objects.get(pk=job_id)
    if job.status == LeadImportStatus.DONE:
        return job
    LeadImport.objects.filter(pk=job.pk).update(status=LeadImportStatus.RUNNING)
    _header, rows = _read(crypto.open_bytes(bytes(job.content), IMPORT_PURPOSE), job.filename)
    for seen, row in enumerate(rows, start=1):
        if seen <= job.rows_done:
            continue  # counted before this run started
        with transaction.atomic():
            job = LeadImport.objects.select_for_update().get(pk=job.pk)
            if seen <= job.rows_done:
                continue
            outcome = _receive(job, row)
            job.rows_done = seen
            if outcome == "created":
                job.created += 1
            elif outcome == "merged":
                job.merged += 1
            else:
                job.errors = [*job.errors, [row.line, outcome]]
            job.save(update_fields=["rows_done", "created", "merged", "errors"])
    LeadImport.objects.filter(pk=job.pk).update(status=LeadImportStatus.DONE, finished_at=timezone.now(), content=b"")
    return LeadImport.objects.get(pk=job.pk)


def _receive(job: LeadImport, row: Row) -> str:
    """ "created", "merged", or the reason the row is refused."""
    if row.values is None:
        return row.problem
    values = row.values
    try:
        with transaction.atomic():
            lead = lead_receive(
                by=job.by,
                channel="import",
                name=values.get("name", ""),
                phone=values.get("phone", ""),
                email=values.get("email", "").strip(),
                source=(values.get("source") or Source.WEBSITE).strip(),
                sub_channel=values.get("sub_channel", "").strip(),
                intent_level=values.get("intent_level", "").strip(),
                budget_min=values.get("budget_min"),
                budget_max=values.get("budget_max"),
                note=values.get("note", ""),
                store=values.get("store"),
                region=values.get("region"),
                received={"file": job.filename, "line": row.line, **{k: v for k, v in values.items() if k}},
            )
    except DatabaseError as err:
        # A value the database itself refuses (one the checks above did not foresee): this row only.
        return _("the database refused this row (%(error)s).") % {"error": err.__class__.__name__}
    except ValidationError as err:
        if hasattr(err, "error_dict"):
            return "; ".join(
                _("%(field)s: %(problems)s") % {"field": f, "problems": " ".join(m)}
                for f, m in err.message_dict.items()
            )
        return " ".join(err.messages)
    return "merged" if lead.merged else "created"


def leads_import(*, by: Any, filename: str, stream: IO[bytes]) -> ImportReport:
    """Queue and run an import in this process (commands and tests); the page hands the run to a worker."""
    job = lead_import_run(lead_import_queue(by=by, filename=filename, stream=stream).pk)
    return ImportReport(job.created, job.merged, [(line, reason) for line, reason in job.errors])
