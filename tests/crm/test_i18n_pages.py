"""The CRM's main pages, a service refusal and an API error, in Simplified Chinese and in English.

The test settings default to English. Chinese is asked for the ways a real visitor asks: the
browser's Accept-Language and the language cookie, and the staff member's saved language where
the Staff record has one; the translation is also activated around the request, so the pages
come out in Chinese whichever of those the language middleware honours.
"""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from portal.crm import tokens


@contextmanager
def speaking(language, client, user=None):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    staff = getattr(user, "staff", None)
    if staff is not None and hasattr(staff, "language"):
        staff.language = language
        staff.save(update_fields=["language"])
    with translation.override(language):
        yield client


def _page(client, user, url, language):
    with speaking(language, client, user) as c:
        if user is not None:
            c.force_login(user)  # after the saved language changed: sign-in copies it into the session
        response = c.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# (url name, args from the fixtures, who looks, Chinese that must appear, English that must appear,
#  English UI words of the page that must not appear on the Chinese page)
PAGES = [
    (
        "crm:customers",
        None,
        "sales",
        ["客户", "高级筛选", "最近联系", "预算下限", "潜客"],
        ["Customers", "Advanced filter", "Last contact", "Budget from", "Prospect"],
        ["Advanced filter", "Last contact", "New customer", "Only the pool", ">Search<", "Prospect<"],
    ),
    (
        "crm:customer",
        "mine",
        "sales",
        ["联系方式", "意向等级", "记录沟通", "跟进计划", "历史", "匹配的在库车辆", "电话"],
        ["Contact", "Intent level", "Log a communication", "Follow-up plans", "History", "Stock that fits"],
        [
            "Log a communication",
            "Follow-up plans",
            "Stock that fits",
            "Intent level",
            "No orders.",
            "Record a complaint",
        ],
    ),
    (
        "crm:pool",
        None,
        "sales",
        ["公海", "尚无销售顾问跟进的潜客", "记录联系", "保存并领取", "渠道"],
        ["Pool", "Prospects no salesperson owns yet", "Record contact", "Save and take"],
        ["Prospects no salesperson owns yet", "Record contact", "Save and take", "First contact", "Channel"],
    ),
    (
        "crm:vehicles",
        None,
        "sales",
        ["车辆", "车牌或车架号", "在库", "公里", "新增车辆"],
        ["Vehicles", "Plate or VIN", "In stock", " km", "New vehicle"],
        ["Plate or VIN", "In stock", "New vehicle", "Mileage up to", "Year from"],
    ),
    (
        "crm:vehicle",
        "camry",
        "sales",
        ["车架号", "发动机号", "标价", "申请调拨", "暂无照片"],
        ["VIN", "Engine number", "Asking price", "Request a transfer", "No photos yet."],
        ["Engine number", "Asking price", "Request a transfer", "No photos yet.", "First registration"],
    ),
    (
        "crm:staff_list",
        None,
        "manager",
        ["员工", "添加员工", "销售顾问", "角色"],
        ["Staff", "Add staff", "Sales", "Roles"],
        ["Add staff", ">Roles<", "Store manager"],
    ),
    (
        "crm:staff",
        "sales_staff",
        "manager",
        ["保存角色", "移交并停用", "在职", "店长"],
        ["Save roles", "Hand over and deactivate", "active", "Store manager"],
        ["Save roles", "Hand over and deactivate", "Store manager", "Prospects go to"],
    ),
    (
        "crm:lead_form",
        None,
        None,
        ["想买车？", "您的姓名", "您想找什么样的车？", "提交"],
        ["Looking for a car?", "Your name", "What are you looking for?", "Send"],
        ["Looking for a car?", "Your name", "What are you looking for?", ">Send<"],
    ),
    (
        "crm:lead_import",
        None,
        "manager",
        ["导入线索", "必需列", "导入"],
        ["Import leads", "CSV (UTF-8) or Excel"],
        ["CSV (UTF-8) or Excel", ">Import<"],
    ),
    (
        "crm:complaint_call",
        None,
        "complaints",
        ["受理投诉来电", "来电号码", "查找客户并开始"],
        ["Take a complaint call", "Caller&#x27;s phone number", "Find the customer and start"],
        ["Take a complaint call", "phone number", "Find the customer and start"],
    ),
    (
        "crm:acquisition_new",
        None,
        "sales",
        ["收购车辆", "收购门店", "个人卖家", "开始评估"],
        ["Buy in a car", "Buying store", "Private seller", "Start the appraisal"],
        ["Buying store", "Private seller", "Start the appraisal", "Trade-in by a customer"],
    ),
]


def _url(name, arg, book, stock, crm_people):
    if arg is None:
        return reverse(name)
    record = {**book, **stock, "sales_staff": crm_people["sales"].staff}[arg]
    return reverse(name, args=[record.pk])


@pytest.mark.parametrize(("name", "arg", "who", "chinese", "english", "leaks"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_in_chinese_has_no_english_ui_words(
    name, arg, who, chinese, english, leaks, book, stock, crm_people, client
):
    user = crm_people[who] if who else None
    html = _page(client, user, _url(name, arg, book, stock, crm_people), "zh-hans")
    missing = [text for text in chinese if text not in html]
    leaked = [text for text in leaks if text in html]
    assert not missing, f"not in the Chinese page: {missing}"
    assert not leaked, f"English left on the Chinese page: {leaked}"


@pytest.mark.parametrize(("name", "arg", "who", "chinese", "english", "leaks"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_in_english(name, arg, who, chinese, english, leaks, book, stock, crm_people, client):
    user = crm_people[who] if who else None
    html = _page(client, user, _url(name, arg, book, stock, crm_people), "en")
    missing = [text for text in english if text not in html]
    assert not missing, f"not in the English page: {missing}"
    assert "高级筛选" not in html and "公海" not in html and "想买车" not in html


def test_a_service_refusal_reaches_a_chinese_user_in_chinese(book, crm_people, client):
    """The service says who holds the phone; the form shows it in the user's language."""
    phone = book["colleague"].phones.get().number
    with speaking("zh-hans", client, crm_people["sales"]) as c:
        c.force_login(crm_people["sales"])
        page = c.post(
            reverse("crm:customer_new"),
            {"name": "重复", "phones": phone, "gender": "unspecified", "source": "walk_in", "intent_level": "high"},
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert f"已属于客户 #{book['colleague'].pk}（跟进人：sales2）" in html
    assert "already belongs" not in html


def test_an_upside_down_filter_is_explained_in_chinese(book, crm_people, client):
    html = _page(client, crm_people["sales"], reverse("crm:customers") + "?budget_min=9&budget_max=1", "zh-hans")
    assert "预算下限（9）高于预算上限（1）。" in html


def _api_client(user, language=None):
    key = tokens.issue(user)
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


def _deliver_too_early(book, stock, crm_people, language):
    sales = _api_client(crm_people["sales"])
    order = sales.post(
        "/api/v1/orders", {"customer": book["mine"].pk, "vehicle": stock["camry"].pk, "price": 150000}, format="json"
    ).json()
    manager = _api_client(crm_people["manager"], language)
    with translation.override(language or "en"):
        return manager.post(f"/api/v1/orders/{order['id']}/deliver")


def test_an_api_error_comes_in_the_language_the_client_asks_for(book, stock, crm_people):
    answer = _deliver_too_early(book, stock, crm_people, "zh-hans")
    assert answer.status_code == 409
    order_id = answer.request["PATH_INFO"].rstrip("/").split("/")[-2]
    assert answer.json()["detail"] == f"订单 #{order_id} 无法执行“交车”：当前为“待付款”，只有“已付清”才能变为“已交车”。"


def test_an_api_error_without_a_language_comes_in_the_default(book, stock, crm_people):
    answer = _deliver_too_early(book, stock, crm_people, None)
    assert answer.status_code == 409
    assert "The step “Deliver” is not possible for order" in answer.json()["detail"]


def test_a_car_is_named_in_the_readers_language(stock, crm_people, client):
    url = reverse("crm:vehicle", args=[stock["camry"].pk])
    assert "<h1>丰田 凯美瑞 " in _page(client, crm_people["sales"], url, "zh-hans")
    assert "<h1>Toyota Camry " in _page(client, crm_people["sales"], url, "en")
