"""Who reads which report, bad input answered on the page, and the downloads."""

import io
from itertools import count

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from portal.reports import exports, lists, measures
from portal.reports.tables import Column, Report, Table
from portal.reports.window import Window

from .conftest import OCTOBER, signed_in

pytestmark = pytest.mark.django_db

REPORT_NAMES = [*measures.REPORTS, *lists.LISTS]  # every report and record list there is


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_every_report_opens_for_hq_and_a_store_manager(month, name):
    for who in ("hq", "manager"):
        response = signed_in(month["people"][who]).get(f"/reports/{name}/", OCTOBER)
        assert response.status_code == 200, (who, name)
        assert b'<table class="report' in response.content


def test_a_store_manager_reads_only_their_stores(month):
    _pudong, westlake, _tianhe = month["stores"]
    client = signed_in(month["people"]["manager"])
    page = client.get("/reports/funnel/", OCTOBER).content.decode()
    assert "上海浦东店" in page and "杭州西湖店" not in page
    assert client.get("/reports/funnel/", {**OCTOBER, "store": westlake.pk}).status_code == 404
    assert client.get("/reports/funnel/", {**OCTOBER, "region": "华南"}).status_code == 404
    other = month["people"]["other_sales"]
    assert client.get("/reports/funnel/", {**OCTOBER, "salesperson": other.pk}).status_code == 404
    assert client.get(f"/reports/scorecard/{other.pk}/", OCTOBER).status_code == 404
    assert client.get(f"/reports/scorecard/{month['people']['sales'].pk}/", OCTOBER).status_code == 200


def test_hq_compares_stores_and_regions(month):
    client = signed_in(month["people"]["hq"])
    page = client.get("/reports/funnel/", {**OCTOBER, "by": "region"}).content.decode()
    assert "华东" in page and "华南" in page
    _pudong, westlake, _t = month["stores"]
    page = client.get("/reports/funnel/", {**OCTOBER, "store": westlake.pk}).content.decode()
    assert ">杭州西湖店</td>" in page and ">上海浦东店</td>" not in page


def test_a_salesperson_sees_only_their_own_scorecard(month):
    sales = month["people"]["sales"]
    client = signed_in(sales)
    assert client.get("/reports/").url == f"/reports/scorecard/{sales.pk}/"
    own = client.get(f"/reports/scorecard/{sales.pk}/", OCTOBER)
    assert own.status_code == 200 and "My scorecard" in own.content.decode()
    assert client.get(f"/reports/scorecard/{month['people']['sales2'].pk}/", OCTOBER).status_code == 404
    assert client.get("/reports/funnel/", OCTOBER).status_code == 404
    assert client.get(f"/reports/scorecard/{sales.pk}/", {**OCTOBER, "format": "csv"}).status_code == 200


def test_other_roles_get_no_reports(month):
    client = signed_in(month["people"]["finance"])
    assert client.get("/reports/").status_code == 404
    assert client.get("/reports/funnel/").status_code == 404


def test_an_unknown_report_or_choice_is_not_found(month):
    client = signed_in(month["people"]["hq"])
    assert client.get("/reports/nonsense/").status_code == 404
    assert client.get("/reports/funnel/", {"by": "nonsense"}).status_code == 404


@pytest.mark.parametrize(
    ("dates", "says"),
    [
        ({"start": "2026-10-31", "end": "2026-10-01"}, "before it starts"),
        ({"start": "2006-01-01", "end": "2026-01-01"}, "at most 1098 days"),
        ({"start": "yesterday", "end": "2026-01-01"}, "is not a date"),
    ],
)
def test_a_bad_range_is_answered_on_the_page(month, dates, says):
    response = signed_in(month["people"]["hq"]).get("/reports/funnel/", dates)
    assert response.status_code == 400
    assert says in response.content.decode()
    csv = signed_in(month["people"]["hq"]).get("/reports/periods/", {**dates, "format": "csv"})
    assert csv.status_code == 400


def test_the_range_error_reads_chinese(month):
    hq = month["people"]["hq"]
    hq.staff.language = "zh-hans"
    hq.staff.save(update_fields=["language"])
    response = signed_in(hq).get("/reports/funnel/", {"start": "2026-10-31", "end": "2026-10-01"})
    assert response.status_code == 400
    assert "结束日期（2026-10-01）早于开始日期（2026-10-31）" in response.content.decode()


def test_the_funnel_downloads_as_csv_and_excel(month):
    client = signed_in(month["people"]["manager"])
    response = client.get("/reports/funnel/", {**OCTOBER, "format": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "上海浦东店,4,6,2,2,250000" in text
    book = client.get("/reports/funnel/", {**OCTOBER, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).worksheets[1]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:6] == ["上海浦东店", 4, 6, 2, 2, 250000]


def test_a_million_row_csv_is_streamed_not_built(month):
    made = count()

    def rows():
        for n in range(1_000_000):
            next(made)
            yield {"n": n}

    report = Report("big", "Big", [Table("rows", [Column("n", "n")], rows())])
    w = Window(month["people"]["hq"], *_october(), store_ids=())
    response = exports.csv_response(report, w)
    chunks = iter(response.streaming_content)
    first = [next(chunks) for _ in range(10)]
    assert b"".join(first).decode("utf-8-sig").splitlines()[-1] == "5"
    assert next(made) < 20  # only what was sent has been made


def test_the_deal_list_streams_every_deal(month):
    response = signed_in(month["people"]["hq"]).get("/reports/deals/", {**OCTOBER, "format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 3 + 4  # title, table title, header, and October's four deals


def test_the_dashboard_for_a_manager_and_hq(month):
    for who in ("manager", "hq"):
        page = signed_in(month["people"][who]).get("/reports/").content.decode()
        assert "上海浦东店" in page and "Over 90 days in stock" in page


def test_the_menu_offers_reports_to_managers_hq_and_sales(month):
    for who, shown in (("manager", True), ("hq", True), ("sales", True), ("finance", False)):
        page = signed_in(month["people"][who]).get("/crm/customers/").content.decode()
        assert ('href="/reports/"' in page) is shown, who


def _october():
    from datetime import date

    return date(2026, 10, 1), date(2026, 10, 31)
