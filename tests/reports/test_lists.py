"""The record lists behind the numbers: a number's link opens a list as long as the number, under the
viewer's scope, paged by keyset."""

import re

import pytest

from portal.reports import lists, measures
from portal.reports.window import window_for

from .conftest import OCTOBER, signed_in

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr><td data-label=")


def _rows_behind(client, link: str) -> int:
    """The records a link opens, walking its pages (each row once)."""
    seen, url = 0, link
    while url:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        seen += len(ROW.findall(html.split('<table class="report', 1)[1].split("</table>", 1)[0]))
        found = re.search(r'<a href="(\?[^"]*)" rel="next">', html)
        url = link.split("?", 1)[0] + found.group(1).replace("&amp;", "&") if found else ""
    return seen


@pytest.mark.parametrize("by", ["store", "salesperson", "region", "group"])
def test_each_funnel_number_opens_a_list_as_long_as_the_number(month, by):
    hq = month["people"]["hq"]
    client = signed_in(hq)
    report = measures.funnel(window_for(hq, OCTOBER), by)
    checked = 0
    for row in [*report.tables[0].rows, *report.tables[1].rows]:
        for stage, link in row.get("_links", {}).items():
            if link.startswith("/crm/"):
                continue  # prospects: the customer list, tested with the crm
            number = row["value"] if stage == "value" else row[stage]
            assert _rows_behind(client, link) == number, (row["name"], stage, link)
            checked += number
    assert checked > 0


def test_the_period_and_scorecard_deals_open_their_deals(month):
    manager = month["people"]["manager"]
    client = signed_in(manager)
    w = window_for(manager, OCTOBER)
    for row in measures.periods(w, "week").tables[0].rows:
        assert _rows_behind(client, row["_links"]["deals"]) == row["deals"], row["period"]
    for row in measures.scorecards(w).tables[0].rows:
        assert _rows_behind(client, row["_links"]["deals"]) == row["deals"], row["name"]


def test_a_salesperson_sees_only_their_own_records(month):
    sales, sales2 = month["people"]["sales"], month["people"]["sales2"]
    client = signed_in(sales)
    card = client.get(f"/reports/scorecard/{sales.pk}/", OCTOBER).content.decode()
    link = re.search(r'href="(/reports/deals/\?[^"]*)"', card).group(1).replace("&amp;", "&")
    assert _rows_behind(client, link) == 2
    # Asking for a colleague's records still answers with one's own.
    for name, own in (("communications", 5), ("visits", 2), ("deals", 2)):
        asked = {**OCTOBER, "salesperson": sales2.pk, "format": "csv"}
        response = client.get(f"/reports/{name}/", asked)
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert len(lines) == 3 + own, name
        assert all("sales2" not in line for line in lines[3:]), name
    assert client.get("/reports/funnel/", OCTOBER).status_code == 404


def test_a_list_pages_on_by_keyset_without_losing_or_repeating_a_row(month, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_ROWS", 4)
    client = signed_in(month["people"]["hq"])
    assert _rows_behind(client, "/reports/communications/?start=2026-10-01&end=2026-10-31") == 8
    first = client.get("/reports/communications/", OCTOBER).content.decode()
    assert 'rel="next"' in first
    last_page = client.get("/reports/visits/", OCTOBER).content.decode()
    assert 'rel="next"' not in last_page  # 3 visits: one page


def test_a_bad_page_place_is_answered_on_the_page(month):
    client = signed_in(month["people"]["manager"])
    response = client.get("/reports/communications/", {**OCTOBER, "after": "yesterday~x"})
    assert response.status_code == 400
    assert "start again from the first page" in response.content.decode()


def test_people_without_reports_get_no_lists(month):
    client = signed_in(month["people"]["finance"])
    for name in lists.LISTS:
        assert client.get(f"/reports/{name}/", OCTOBER).status_code == 404
