"""Lead import files that go wrong (trust probe): every problem reported by line, never a 500, nothing lost.

The import page stores the file and a worker receives its rows; these tests run the worker's function
(services.lead_import.lead_import_run) in the test process, as the worker would.
"""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from portal.crm.models import Customer, LeadImport, LeadImportStatus
from portal.crm.services.lead_import import lead_import_queue, lead_import_run, leads_import
from tests.helpers import deploy, queued
from workers.tasks import import_leads

HEADER = b"name,phone,note\n"


@pytest.fixture
def lead_process(settings, db):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))


def _import(people, data: bytes, filename="leads.csv"):
    return leads_import(by=people["manager"], filename=filename, stream=io.BytesIO(data))


def _names():
    return sorted(Customer.objects.values_list("name", flat=True))


def test_a_short_and_a_long_row_are_reported_and_the_rows_after_them_imported(lead_process, stores, crm_people):
    data = HEADER + b"A One,13300000001,hi\nShort,13300000002\nLong,13300000003,x,extra\nB Two,13300000004,ok\n"
    report = _import(crm_people, data)
    assert report.created == 2 and _names() == ["A One", "B Two"]
    assert [line for line, _ in report.errors] == [3, 4]
    assert "2 fields" in report.errors[0][1] and "4 fields" in report.errors[1][1]


def test_an_overlong_field_and_a_nul_byte_are_refused_with_their_column(lead_process, stores, crm_people):
    huge = b"n" * (130 * 1024)
    data = HEADER + b"Big,13300000001," + huge + b"\nNul,13300000002,a\x00b\nFine,13300000003,ok\n"
    report = _import(crm_people, data)
    assert _names() == ["Fine"]
    (big_line, big), (nul_line, nul) = report.errors
    assert big_line == 2 and "note" in big and "2000" in big
    assert nul_line == 3 and "NUL" in nul


def test_an_unclosed_quote_says_where_reading_stopped(lead_process, stores, crm_people):
    data = HEADER + b'Before,13300000001,ok\nBroken,13300000002,"never closed\nAfter,13300000003,ok\n'
    report = _import(crm_people, data)
    assert _names() == ["Before"]
    [(line, reason)] = report.errors
    assert line == 3 and "not read" in reason


def _bloated_workbook(extra: int) -> bytes:
    """A valid .xlsx whose sheet carries ``extra`` bytes more once unpacked (Excel caps a cell at 32,767
    characters; a crafted file is not bound by that, so the sheet is padded by hand)."""
    book = Workbook()
    book.active.append(["name", "phone", "note"])
    book.active.append(["Huge", "13300000001", "x"])
    plain = io.BytesIO()
    book.save(plain)
    bloated = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bloated, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<sheetData>", b"<!--" + b"x" * extra + b"--><sheetData>", 1)
            target.writestr(info.filename, body)
    return bloated.getvalue()


def test_a_spreadsheet_that_unpacks_too_big_is_refused_before_it_is_unpacked(
    lead_process, stores, crm_people, settings
):
    settings.LOTFLOW_IMPORT_MAX_EXPANDED_BYTES = 1024 * 1024
    data = _bloated_workbook(3 * 1024 * 1024)
    assert len(data) < 100 * 1024  # compresses well: the size on the wire says little
    with pytest.raises(ValidationError, match="unpacks to"):
        _import(crm_people, data, "leads.xlsx")
    assert not LeadImport.objects.exists() and not Customer.objects.exists()
    assert _import(crm_people, _bloated_workbook(1000), "leads.xlsx").created == 1  # the padding alone is harmless


def test_a_file_that_is_not_a_spreadsheet_is_refused(lead_process, stores, crm_people):
    with pytest.raises(ValidationError, match="zip"):
        _import(crm_people, b"PK\x03\x04 not really", "leads.xlsx")
    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("hello.txt", "no workbook here")
    with pytest.raises(ValidationError, match="Excel"):
        _import(crm_people, fake.getvalue(), "leads.xlsx")


def test_too_many_rows_are_refused_at_upload(lead_process, stores, crm_people, settings):
    settings.LOTFLOW_IMPORT_MAX_ROWS = 2
    with pytest.raises(ValidationError, match="more than 2 rows"):
        _import(crm_people, HEADER + b"".join(b"P%d,1330000000%d,\n" % (i, i) for i in range(3)))
    assert not LeadImport.objects.exists()


def test_a_worker_that_died_half_way_resumes_without_importing_a_row_twice(lead_process, stores, crm_people):
    data = HEADER + b"".join(b"P%d,1330000000%d,\n" % (i, i) for i in range(1, 5))
    job = lead_import_queue(by=crm_people["manager"], filename="leads.csv", stream=io.BytesIO(data))
    assert (job.status, job.total_rows) == (LeadImportStatus.QUEUED, 4)
    # The first run received two rows, then its worker was killed: its progress is committed with them.
    first = io.BytesIO(HEADER + b"P1,13300000001,\nP2,13300000002,\n")
    lead_import_run(lead_import_queue(by=crm_people["manager"], filename="x.csv", stream=first).pk)
    LeadImport.objects.filter(pk=job.pk).update(rows_done=2, created=2, status=LeadImportStatus.RUNNING)
    done = lead_import_run(job.pk)
    assert (done.status, done.rows_done, done.created) == (LeadImportStatus.DONE, 4, 4)
    assert _names() == ["P1", "P2", "P3", "P4"]
    assert bytes(done.content) == b""  # the file is not kept once imported
    assert lead_import_run(job.pk).created == 4  # a redelivered task does nothing more


def test_the_page_queues_the_file_and_shows_progress_and_the_report_to_its_uploader_only(
    lead_process, stores, crm_people, as_user, client
):
    manager = as_user(crm_people["manager"])
    upload = io.BytesIO(HEADER + b"Good,13300000001,ok\nShort,13300000002\n")
    upload.name = "leads.csv"
    answer = manager.post("/crm/leads/import/", {"file": upload})
    job = LeadImport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/crm/leads/import/{job.pk}/"
    waiting = manager.get(answer["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    lead_import_run(job.pk)  # what the worker does with the queued task
    page = manager.get(answer["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in page and "2 fields" in page
    assert as_user(crm_people["hq"]).get(answer["Location"]).status_code == 404


def _queued_imports() -> list[int]:
    """The import jobs on the broker (the filesystem transport, or Redis when REDIS_URL is set)."""
    return [args[0] for args in queued("workers.tasks.import_leads")]


def test_an_upload_is_handed_to_the_workers_through_the_broker(
    lead_process, stores, crm_people, as_user, django_capture_on_commit_callbacks
):
    _queued_imports()
    upload = io.BytesIO(HEADER + b"Good,13300000001,ok\n")
    upload.name = "leads.csv"
    with django_capture_on_commit_callbacks(execute=True):
        as_user(crm_people["manager"]).post("/crm/leads/import/", {"file": upload})
    job = LeadImport.objects.get()
    assert _queued_imports() == [job.pk]
    assert import_leads(job.pk) == {"created": 1, "merged": 0, "refused": 0}  # the task the worker runs
