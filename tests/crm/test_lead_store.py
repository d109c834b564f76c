"""Leads reach the store they ask for: the web form, the API and the import take a store or a region."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from portal.crm import tokens
from portal.crm.automation.texts import shown_all
from portal.crm.models import Customer, LeadIntake
from portal.crm.services.lead_import import leads_import
from portal.crm.services.leads import lead_receive
from tests.crm.test_leads import lead_process  # noqa: F401 - fixture


def test_a_lead_that_names_a_store_by_id_waits_in_that_stores_pool(lead_process, stores):  # noqa: F811
    _, westlake = stores
    lead = lead_receive(name="Xu Ming", phone="13512345670", channel="api", store=westlake.pk)
    assert (lead.routed_store, lead.customer.home_store, lead.customer.owner) == (westlake, westlake, None)
    assert lead.received["store"] == "杭州西湖店" and lead.received["region"] == "华东"
    assert shown_all(lead.routing_reasons)[0].startswith("rule asked_for_a_store")


def test_a_lead_names_the_store_by_name_too(lead_process, stores):  # noqa: F811
    lead = lead_receive(name="Xu Ming", phone="13512345671", channel="api", store="杭州西湖店")
    assert lead.routed_store == stores[1]


def test_a_lead_that_names_only_a_region_follows_the_region_rules(lead_process, stores, crm_people):  # noqa: F811
    lead = lead_receive(name="Online", phone="13512345672", channel="api", source="website", region="华东")
    # online_east: 杭州西湖店's salesperson with the fewest open prospects.
    assert (lead.routed_store, lead.routed_owner) == (stores[1], crm_people["other_sales"])
    assert shown_all(lead.routing_reasons)[0].startswith("rule online_east")


@pytest.mark.parametrize(
    ("asked", "field"), [({"store": "北京朝阳店"}, "store"), ({"store": 9999}, "store"), ({"region": "西北"}, "region")]
)
def test_a_store_or_region_we_do_not_have_is_refused_and_nothing_is_saved(lead_process, stores, asked, field):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        lead_receive(name="Nowhere", phone="13512345673", channel="api", **asked)
    assert list(refused.value.message_dict) == [field]
    assert not Customer.objects.exists() and not LeadIntake.objects.exists()


def test_the_refusal_reads_in_chinese(lead_process, stores):  # noqa: F811
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        lead_receive(name="Nowhere", phone="13512345674", channel="api", store="北京朝阳店")
    assert refused.value.message_dict["store"] == ["我们没有“北京朝阳店”这家门店，请从我们的门店中选择。"]


@pytest.fixture
def api(crm_people):
    client = APIClient()
    key = tokens.issue(crm_people["manager"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_api_takes_a_store_by_name_or_id(lead_process, stores, api):  # noqa: F811
    _, westlake = stores
    by_name = api.post("/api/v1/leads", {"name": "A", "phone": "13677770001", "store": "杭州西湖店"}, format="json")
    by_id = api.post("/api/v1/leads", {"name": "B", "phone": "13677770002", "store": str(westlake.pk)}, format="json")
    assert (by_name.status_code, by_id.status_code) == (201, 201)
    assert by_name.json()["routed_store"] == by_id.json()["routed_store"] == westlake.pk


def test_the_api_answers_400_for_a_store_we_do_not_have(lead_process, stores, api):  # noqa: F811
    answer = api.post("/api/v1/leads", {"name": "C", "phone": "13677770003", "store": "北京朝阳店"}, format="json")
    assert answer.status_code == 400 and "北京朝阳店" in answer.json()["store"][0]
    assert not Customer.objects.exists()


def test_the_import_takes_store_and_region_columns_and_reports_unknown_ones(lead_process, stores, crm_people):  # noqa: F811
    data = (
        "name,phone,store,region\n"
        "To Westlake,13300000011,杭州西湖店,\n"
        "Nowhere,13300000012,北京朝阳店,\n"
        "Far Away,13300000013,,西北\n"
    ).encode()
    report = leads_import(by=crm_people["manager"], filename="leads.csv", stream=io.BytesIO(data))
    assert report.created == 1
    assert [(line, reason.split(":")[0]) for line, reason in report.errors] == [(3, "store"), (4, "region")]
    assert LeadIntake.objects.get().routed_store == stores[1]


def test_the_public_form_lists_the_stores_with_their_region(lead_process, stores, client):  # noqa: F811
    page = client.get("/crm/leads/new/").content.decode()
    assert "杭州西湖店 (华东)" in page and "Any store (we choose the nearest)" in page
    chinese = client.get("/crm/leads/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "杭州西湖店（华东）" in chinese and "想去哪家门店或哪个城市？" in chinese


def test_the_public_form_sends_the_lead_to_the_chosen_store(lead_process, stores, client):  # noqa: F811
    _, westlake = stores
    page = client.post("/crm/leads/new/", {"name": "Web", "phone": "13811110020", "store": westlake.pk})
    assert "Thank you" in page.content.decode()
    assert LeadIntake.objects.get().routed_store == westlake


def test_the_public_form_refuses_a_store_that_does_not_exist(lead_process, stores, client):  # noqa: F811
    page = client.post("/crm/leads/new/", {"name": "Web", "phone": "13811110021", "store": 9999})
    assert "We have no such store; choose one of our stores." in page.content.decode()
    assert not Customer.objects.exists()
