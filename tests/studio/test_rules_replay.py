"""The replay fragment (studio:rules_replay): admins only, counts old/new, changed facts named and linked."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from engine import clock
from engine.models import RuleFactRecord, RuleReplayLock
from portal.crm.automation.reclaim import sweep_reclaim
from tests.crm.factories import CustomerFactory

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
SHIPPED = (Path(__file__).resolve().parents[2] / "rules" / "pool_reclaim.rules").read_text(encoding="utf-8")
TWENTY = SHIPPED.replace("set reclaim_after_days = 30", "set reclaim_after_days = 20")
URL = reverse("studio:rules_replay", args=["pool_reclaim"])


@pytest.fixture
def swept(people, stores):
    book = {
        days: CustomerFactory(
            home_store=stores[0], owner=people["sales"], last_contact_at=NOW - timedelta(days=days), name=f"王{days}"
        )
        for days in (15, 21, 25, 31)
    }
    with clock.frozen(NOW):
        sweep_reclaim()
    return book


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


def test_an_admin_sees_the_counts_and_the_newly_reclaimed_prospects_linked(client, people, swept, frozen):
    client.force_login(people["admin"])
    page = client.post(URL, {"text": TWENTY})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Returned to the pool" in html and "Owner warned, 5 days left" in html
    assert "王21" in html and "王25" in html and "王15" not in html
    assert reverse("crm:customer", args=[swept[21].pk]) in html
    assert "2 decisions change" in html
    assert RuleFactRecord.objects.count() == 1 and not RuleReplayLock.objects.exists()


def test_in_chinese_by_the_staff_members_language(client, people, swept, frozen):
    people["admin"].staff.language = "zh-hans"
    people["admin"].staff.save(update_fields=["language"])
    client.force_login(people["admin"])
    html = client.post(URL, {"text": TWENTY}).content.decode()
    assert "收回公海" in html and "2 个决定有变化" in html and "30 天没有联系记录" in html


@pytest.mark.parametrize("who", ["hq", "manager", "sales"])
def test_anyone_but_an_admin_gets_404(client, people, swept, who):
    client.force_login(people[who])
    assert client.post(URL, {"text": TWENTY}).status_code == 404


def test_a_get_is_refused_and_an_unknown_rule_set_is_404(client, people, swept):
    client.force_login(people["admin"])
    assert client.get(URL).status_code == 405
    missing = reverse("studio:rules_replay", args=["no_such_rules"])
    assert client.post(missing, {"text": TWENTY.replace("pool_reclaim", "no_such_rules")}).status_code == 404


def test_a_text_with_a_mistake_answers_its_problem_at_its_line(client, people, swept):
    client.force_login(people["admin"])
    broken = TWENTY.replace("days_without_contact >= reclaim_after_days", "days_silent >= reclaim_after_days")
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "days_silent" in text)
    html = client.post(URL, {"text": broken}).content.decode()
    assert f'data-line="{line}"' in html and "days_silent" in html and "nothing was replayed" in html


def test_a_replay_while_another_runs_is_refused_with_the_reason(client, people, swept, frozen):
    RuleReplayLock.objects.create(ruleset="pool_reclaim", started_at=NOW - timedelta(minutes=2))
    client.force_login(people["admin"])
    html = client.post(URL, {"text": TWENTY}).content.decode()
    assert "A replay of this rule set has been running since" in html


def test_bad_input_is_refused_with_the_reason(client, people, swept):
    client.force_login(people["admin"])
    assert "Give the rule text" in client.post(URL, {"text": " "}).content.decode()
    assert "at most 200000" in client.post(URL, {"text": "#" * 2_000_000}).content.decode()
    assert "between 1 and 366" in client.post(URL, {"text": TWENTY, "days": "0"}).content.decode()
    assert "whole numbers" in client.post(URL, {"text": TWENTY, "days": "x"}).content.decode()


def test_a_routing_edit_names_the_leads_customer_and_the_stores(client, people, stores, frozen):
    from engine import api
    from portal.crm.automation.routing import lead_fact
    from portal.crm.models import LeadIntake

    customer = CustomerFactory(home_store=stores[0], name="李华南")
    lead = LeadIntake.objects.create(
        customer=customer, source="website", channel="web_form", received={"region": "华南"}
    )
    api.evaluate_rules("lead_routing", [lead_fact(lead)])
    text = Path(__file__).resolve().parents[2] / "rules" / "lead_routing.rules"
    edited = text.read_text(encoding="utf-8").replace(
        'then route_to store="广州天河店"', 'then route_to store="杭州西湖店"'
    )
    client.force_login(people["admin"])
    html = client.post(reverse("studio:rules_replay", args=["lead_routing"]), {"text": edited}).content.decode()
    assert "Routed to 广州天河店, to its pool" in html and "Routed to 杭州西湖店, to its pool" in html
    assert "李华南" in html and reverse("crm:customer", args=[customer.pk]) in html
