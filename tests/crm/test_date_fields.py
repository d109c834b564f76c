"""Date fields carry a hint in the reader's language (a script writes the chosen day there: see
tests/browser/test_customer_page.py), and a date the server cannot read is refused naming the format it reads."""

import re

from tests.inbox.conftest import text_of


def _chinese(user) -> None:
    user.staff.language = "zh-hans"
    user.staff.save(update_fields=["language"])


def test_a_date_field_carries_a_hint_it_names_as_its_description(book, crm_people, as_user):
    _chinese(crm_people["sales"])
    html = as_user(crm_people["sales"]).get("/crm/customers/").content.decode()
    field = re.search(r'<input type="date" name="consulted_from"[^>]*>', html)
    assert field is not None and 'aria-describedby="id_consulted_from-hint"' in field.group(0)
    hint = re.search(r'<small class="date-hint" id="id_consulted_from-hint">([^<]+)</small>', html)
    assert hint is not None and hint.group(1) == "请用日历选择日期，或按输入框显示的顺序填写。"


def test_a_date_that_cannot_be_read_is_refused_naming_the_format_in_each_language(book, crm_people, as_user):
    english = text_of(as_user(crm_people["manager"]).get("/crm/customers/?consulted_from=next+week").content.decode())
    assert "Enter the date as year-month-day, such as 2026-12-05." in english
    _chinese(crm_people["sales"])
    chinese = text_of(as_user(crm_people["sales"]).get("/crm/customers/?consulted_from=2026年13月1日").content.decode())
    assert "请按 年-月-日 填写日期，例如 2026-12-05。" in chinese


def test_a_date_time_field_says_how_a_time_is_written(book, crm_people, as_user):
    _chinese(crm_people["sales"])
    html = as_user(crm_people["sales"]).get(f"/crm/customers/{book['mine'].pk}/").content.decode()
    assert 'type="datetime-local"' in html
    assert "请用日历选择日期和时间，或按输入框显示的顺序填写。" in html
