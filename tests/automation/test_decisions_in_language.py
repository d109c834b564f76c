"""Routing and scoring reasons, reclaim warnings, stock alerts and pool refusals are stored once
and read in each reader's language (the rule files' translations and the CRM's catalog)."""

from datetime import timedelta

import pytest
from django.utils import translation

from engine import api
from engine.models import WorkItem
from portal.crm.automation.limits import pool_take_refusal
from portal.crm.automation.reclaim import sweep_reclaim
from portal.crm.automation.routing import route
from portal.crm.automation.scoring import sweep_scores
from portal.crm.automation.texts import score_reasons, shown, shown_all
from portal.crm.automation.thresholds import sweep_thresholds
from portal.crm.models import Customer, LeadIntake
from tests.automation.test_pool_limits import _rules
from tests.automation.test_reclaim import NOW, _silent
from tests.crm.factories import CustomerFactory, VehicleFactory

SUV = {"id": 1, "region": "华东", "vehicle_type": "suv", "budget_max": 500000, "source": "walk_in"}


def test_a_routing_reason_reads_in_chinese_and_in_english(people, stores):
    reasons = route(SUV, stores[0]).reasons
    assert shown_all(reasons, "zh-hans") == [
        "规则 luxury_suv_east（华东的高预算 SUV 线索由上海浦东店的销售顾问轮流跟进）",
        "按轮流分配给 sales",
    ]
    assert shown_all(reasons, "en") == [
        "rule luxury_suv_east (Big-budget SUV leads in 华东 go to the salespeople of 上海浦东店 in turn)",
        "assigned to sales by round robin",
    ]


def test_the_active_language_picks_the_text_and_old_english_reasons_still_show(people, stores):
    lead = LeadIntake.objects.create(
        customer=CustomerFactory(home_store=stores[0]),
        source="walk_in",
        channel="api",
        routing_reasons=["the pool of 上海浦东店", *route(SUV, stores[0]).reasons],
    )
    with translation.override("zh-hans"):
        assert shown_all(lead.routing_reasons)[:2] == [
            "the pool of 上海浦东店",
            shown(lead.routing_reasons[1], "zh-hans"),
        ]
        assert shown_all(lead.routing_reasons)[1].startswith("规则 luxury_suv_east（华东的高预算")


def test_score_reasons_read_in_the_readers_language(people, stores):
    keen = CustomerFactory(home_store=stores[0], intent_level="high", source="referral")
    sweep_scores()
    stored = Customer.objects.get(pk=keen.pk).score_reasons
    assert score_reasons(stored, "zh-hans") == [(30, "意向高"), (15, "转介绍或到店客户")]
    assert score_reasons(stored, "en") == [(30, "high intent"), (15, "referral or walk-in")]


def test_a_reclaim_warning_shows_chinese_to_a_chinese_reader_and_english_to_an_english_one(people, stores):
    _silent(26, people["sales"], stores[0], name="王芳")
    sweep_reclaim(now=NOW)
    warning = WorkItem.objects.get(kind="warning")
    chinese = api.localize_item(WorkItem.objects.get(pk=warning.pk), "zh-hans")
    english = api.localize_item(WorkItem.objects.get(pk=warning.pk), "en")
    since = (NOW - timedelta(days=26)).date().isoformat()
    assert (chinese.title, chinese.instructions) == (
        "请在 5 天内联系 王芳",
        f"王芳 自 {since} 起没有联系记录。请登记一次沟通，否则将收回公海。",
    )
    assert english.title == warning.title == "Contact 王芳 within 5 days"


def test_a_stock_alert_shows_chinese_to_a_chinese_reader_and_english_to_an_english_one(people, stores):
    VehicleFactory(store=stores[0], brand="BYD", model="RAV4", vehicle_type="suv")
    sweep_thresholds()
    alert = WorkItem.objects.get(kind="alert", store_id=stores[0].pk, title__contains="suv")
    chinese = api.localize_item(WorkItem.objects.get(pk=alert.pk), "zh-hans")
    english = api.localize_item(WorkItem.objects.get(pk=alert.pk), "en")
    assert chinese.title == "上海浦东店：suv 库存 1 台，低于下限 3 台"
    assert (english.title, english.instructions) == (
        "上海浦东店: 1 suv in stock, below the minimum of 3",
        "1 suv in stock, below the minimum of 3.",
    )


@pytest.mark.parametrize(
    "language, said",
    [
        ("zh-hans", "sales 已有 1 个潜客（上限 1）：请先释放或关闭一些潜客"),
        ("en", "sales owns 1 prospects already (cap 1)"),
    ],
)
def test_the_pool_refusal_is_said_in_the_readers_language(people, stores, settings, tmp_path, language, said):
    _rules(settings, tmp_path, max_prospects_per_salesperson=1)
    CustomerFactory(home_store=stores[0], owner=people["sales"])
    waiting = CustomerFactory(home_store=stores[0], owner=None)
    with translation.override(language):
        assert said in pool_take_refusal(people["sales"], waiting)
