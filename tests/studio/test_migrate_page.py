"""The studio's migration pages: the dry run as a table, "move all that can" for admins with a
reason, the result per instance; a double submit moves nothing twice."""

import re

import pytest
from django.test import Client

from engine import api
from engine.models import AuditEvent
from tests.helpers import assert_round_trip, deploy

URL = "/studio/migrate/"
CHOICE = {"process": "discount_approval", "source": "1", "target": "2"}


@pytest.fixture
def discounts(stores):
    deploy("exclusive_gateway.bpmn")

    def start(amount: int) -> int:
        return api.start("discount_approval", data={"store_id": stores[0].pk, "amount": amount}).instance_id

    at_manager, at_sales = start(10_000), start(100)
    deploy("discount_approval_v2.bpmn")
    return at_manager, at_sales


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _batch(html: str) -> str:
    return re.search(r'name="batch" value="([0-9a-f]{32})"', html).group(1)


def test_the_dry_run_shows_each_instance_and_why_it_cannot_move(discounts, people):
    page = _as(people["admin"]).get(URL, CHOICE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "which the target version lacks" in html
    assert "Confirm the discount (SalesConfirm)" in html
    assert 'name="reason"' in html
    assert api.instance_detail(discounts[0])["version"] == 1


def test_hq_reads_the_dry_run_but_gets_no_move_button(discounts, people):
    html = _as(people["hq"]).get(URL, CHOICE).content.decode()
    assert "which the target version lacks" in html and 'name="reason"' not in html


@pytest.mark.parametrize("who", ["manager", "sales"])
def test_others_get_a_404(discounts, people, who):
    assert _as(people[who]).get(URL, CHOICE).status_code == 404


def test_only_admins_move(discounts, people):
    batch = _batch(_as(people["admin"]).get(URL, CHOICE).content.decode())
    response = _as(people["hq"]).post(URL, {**CHOICE, "batch": batch, "reason": "r"})
    assert response.status_code == 404
    assert api.instance_detail(discounts[0])["version"] == 1


def test_an_admin_moves_all_that_can_and_sees_what_was_done(discounts, people):
    at_manager, at_sales = discounts
    client = _as(people["admin"])
    batch = _batch(client.get(URL, CHOICE).content.decode())
    response = client.post(URL, {**CHOICE, "batch": batch, "reason": "一位审批人"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/studio/migrate/runs/{batch}/"
    assert "Moved" in html and "Refused, left as it was" in html
    assert api.instance_detail(at_manager)["version"] == 2
    assert api.instance_detail(at_sales)["version"] == 1
    assert_round_trip(at_manager)
    event = AuditEvent.objects.get(action="migrated")
    assert (event.actor, event.data["reason"]) == (people["admin"], "一位审批人")


def test_a_double_submit_moves_nothing_twice(discounts, people):
    client = _as(people["admin"])
    batch = _batch(client.get(URL, CHOICE).content.decode())
    for _ in range(2):
        client.post(URL, {**CHOICE, "batch": batch, "reason": "r"})
    assert AuditEvent.objects.filter(action="migrated").count() == 1
    assert AuditEvent.objects.filter(action="migration_refused").count() == 1


def test_a_move_without_a_reason_moves_nothing(discounts, people):
    client = _as(people["admin"])
    batch = _batch(client.get(URL, CHOICE).content.decode())
    response = client.post(URL, {**CHOICE, "batch": batch, "reason": ""}, follow=True)
    assert "Nothing was moved" in response.content.decode()
    assert api.instance_detail(discounts[0])["version"] == 1


def test_choosing_the_same_version_twice_is_refused_on_the_form(discounts, people):
    page = _as(people["admin"]).get(URL, {**CHOICE, "target": "1"})
    assert page.status_code == 400
    assert "Choose a version other than the one they run on." in page.content.decode()


def test_the_pages_are_chinese_first(discounts, people):
    people["admin"].staff.language = "zh-hans"
    people["admin"].staff.save(update_fields=["language"])
    html = _as(people["admin"]).get(URL, CHOICE).content.decode()
    assert "迁移流程实例" in html and "目标版本没有" in html
    assert "Migrate instances" not in html
