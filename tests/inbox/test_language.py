"""The language a page speaks: a staff member's saved choice, else a visitor's cookie or browser, else the group's."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from engine import api
from engine.models import WorkItem
from portal.crm.models import Staff
from tests.inbox.conftest import signed_in, text_of

COOKIE = settings.LANGUAGE_COOKIE_NAME


def prefers(user, language: str) -> None:
    """Save a staff member's language as the switcher does (on the record the user object holds)."""
    user.staff.language = language
    user.staff.save(update_fields=["language"])


def page(client: Client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code in (200, 404), response.status_code
    return response.content.decode()


def test_the_suite_runs_with_english_as_the_group_default():
    assert settings.LANGUAGE_CODE == "en"  # tests/settings.py; production defaults to zh-hans


def test_the_inbox_speaks_the_staff_members_saved_language(people, demo_contact):
    prefers(people["sales"], "zh-hans")
    html = page(signed_in(people["sales"]), "/")
    assert '<html lang="zh-Hans"' in html
    text = text_of(html)
    assert "我的角色可领取" in text and "目前没有分配给您的事项。" in text and "领取" in text
    assert "Claimable by my roles" not in text


def test_the_inbox_in_english(people, demo_contact):
    html = page(signed_in(people["sales"]), "/")
    assert '<html lang="en"' in html
    assert "Claimable by my roles" in text_of(html) and "我的角色可领取" not in html


def test_a_work_item_in_both_languages(people, demo_contact):
    english = text_of(page(signed_in(people["sales"]), f"/items/{demo_contact.pk}/"))
    assert "What happened so far" in english and "The sales queue" in english
    prefers(people["sales"], "zh-hans")
    chinese = text_of(page(signed_in(people["sales"]), f"/items/{demo_contact.pk}/"))
    assert "办理记录" in chinese and "销售顾问队列" in chinese and "领取" in chinese
    assert "What happened so far" not in chinese


def test_the_login_page_follows_the_browser_then_the_cookie(db):
    chinese = text_of(page(Client(), "/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5"))
    assert "用户名" in chinese and "密码" in chinese and "English" in chinese
    english = text_of(page(Client(), "/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert "Username" in english and "简体中文" in english
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies[COOKIE] = "en"
    assert "Username" in text_of(page(client, "/login/"))


def test_a_404_in_both_languages(people, settings):
    settings.DEBUG = False
    english = text_of(page(signed_in(people["sales"]), "/no-such-page/"))
    assert "Not found" in english
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese = text_of(page(client, "/no-such-page/"))
    assert "未找到" in chinese and "返回我的待办" in chinese


@pytest.mark.parametrize("code", ["xx", "zh-hant-tw", "'><script>", ""])
def test_an_unknown_language_code_falls_back_to_the_default(people, code):
    visitor = Client()
    visitor.cookies[COOKIE] = code
    assert "Username" in text_of(page(visitor, "/login/", HTTP_ACCEPT_LANGUAGE=code or "*"))
    answer = visitor.post("/language/", {"language": code, "next": "/login/"})
    assert answer.status_code == 302 and answer.cookies[COOKIE].value == settings.LANGUAGE_CODE
    client = signed_in(people["sales"])
    assert client.post("/language/", {"language": code}).status_code == 302
    assert Staff.objects.get(user=people["sales"]).language == settings.LANGUAGE_CODE


def test_a_visitors_choice_is_kept_in_a_cookie(db):
    client = Client()
    answer = client.post("/language/", {"language": "zh-hans", "next": "/login/"})
    assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert "用户名" in text_of(page(client, "/login/"))


def test_the_switch_never_leads_off_the_site(db):
    answer = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert answer["Location"] == "/"


def test_a_staff_members_choice_holds_in_a_new_session_on_another_device(people, demo_contact):
    desk = signed_in(people["sales"])
    desk.post("/language/", {"language": "zh-hans", "next": "/"})
    assert Staff.objects.get(user=people["sales"]).language == "zh-hans"
    assert "我的角色可领取" in text_of(page(desk, "/"))
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")  # another device, a browser set to English, no cookie
    assert phone.post("/login/", {"username": "sales", "password": "pw"}).status_code == 302
    assert "我的角色可领取" in text_of(page(phone, "/"))
    phone.post("/language/", {"language": "en"})
    assert "Claimable by my roles" in text_of(page(signed_in(people["sales"]), "/"))


def test_the_switcher_is_on_every_page(people, demo_contact):
    for url in ("/", f"/items/{demo_contact.pk}/", "/crm/customers/"):
        html = page(signed_in(people["sales"]), url)
        assert 'action="/language/"' in html and 'value="zh-hans"' in html, url
    assert 'action="/language/"' in page(Client(), "/login/")


def test_dates_and_money_in_chinese_and_english(people, demo_contact):
    due = datetime.datetime(2026, 12, 2, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Shanghai
    WorkItem.objects.filter(pk=demo_contact.pk).update(due_at=due)
    english = text_of(page(signed_in(people["sales"]), f"/items/{demo_contact.pk}/"))
    assert "Wed 2 Dec 2026 09:00" in english
    prefers(people["sales"], "zh-hans")
    chinese = text_of(page(signed_in(people["sales"]), "/"))
    assert "2026年12月2日 周三 09:00" in chinese


def test_the_format_filters():
    from portal.ui.templatetags.lotflow import day, due_hint, number, when, yuan

    moment = datetime.datetime(2026, 12, 2, 1, 0, tzinfo=datetime.UTC)
    with translation.override("zh-hans"):
        assert (when(moment), day(moment), yuan(150000), number(1234567)) == (
            "2026年12月2日 周三 09:00",
            "2026年12月2日",
            "¥150,000",
            "1,234,567",
        )
        assert due_hint(moment, now=moment - datetime.timedelta(hours=3)) == "3小时后"
        assert due_hint(moment, now=moment + datetime.timedelta(days=2)) == "已逾期2天"
    with translation.override("en"):
        assert (when(moment), day(moment.date()), yuan("99.5"), yuan(None)) == (
            "Wed 2 Dec 2026 09:00",
            "2 Dec 2026",
            "¥99.50",
            "—",
        )
        assert due_hint(moment, now=moment - datetime.timedelta(minutes=1)) == "in 1 minute"


def test_the_500_page_declares_the_active_language():
    from django.template.loader import render_to_string

    with translation.override("zh-hans"):
        html = render_to_string("500.html")
    assert '<html lang="zh-Hans"' in html and "出错了" in html


def test_an_engine_refusal_reaches_a_chinese_page_in_chinese(people, demo_contact):
    api.claim(demo_contact.pk, user=people["sales2"])
    with translation.override("zh-hans"), pytest.raises(api.Conflict, match="已被 sales2 领取"):
        api.claim(demo_contact.pk, user=people["sales"])


def test_chinese_form_labels_end_with_a_full_width_colon():
    from django import forms

    class Form(forms.Form):
        name = forms.CharField(label="姓名")

    with translation.override("zh-hans"):
        assert "姓名：" in Form().as_div()
    with translation.override("en"):
        assert "姓名:" in Form().as_div()
