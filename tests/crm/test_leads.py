"""Lead intake: create or merge the prospect, start lead-to-cash, route; CSV and Excel import."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from engine import api as engine
from portal.crm.automation.texts import shown_all
from portal.crm.models import Customer, LeadImport, LeadIntake
from portal.crm.services.lead_import import lead_import_run, leads_import
from portal.crm.services.leads import lead_receive
from tests.helpers import deploy


@pytest.fixture
def lead_process(settings, db):
    deploy(str(settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn"))


def test_a_new_lead_becomes_a_prospect_in_the_default_store_pool(lead_process, stores):
    lead = lead_receive(name="Xu Ming", phone="13512345678", channel="api", source="marketplace")
    customer = lead.customer
    assert (customer.owner, customer.home_store, customer.stage) == (None, stores[0], "prospect")
    assert lead.routed_store == stores[0]
    assert shown_all(lead.routing_reasons) == [
        "rule everything_else (Anything else waits in the pool of 上海浦东店)",
        "the pool of 上海浦东店",
    ]
    detail = engine.instance_detail(lead.process_instance_id)
    assert detail["status"] == "running"
    assert [(t["element_id"], t["assignee"], t["store_id"]) for t in detail["open_tasks"]] == [
        ("FirstContact", None, stores[0].pk)
    ]


def test_a_lead_with_a_known_phone_merges_into_that_customer(lead_process, book, crm_people):
    phone = book["mine"].phones.get().number
    lead = lead_receive(name="Li W.", phone=f"+86-{phone}", channel="web_form")
    assert lead.merged and lead.customer == book["mine"]
    assert lead.routed_owner == crm_people["sales"]
    assert Customer.objects.filter(name="Li W.").count() == 0


def test_a_lead_without_a_phone_is_refused_naming_the_field(lead_process, stores):
    with pytest.raises(ValidationError) as refused:
        lead_receive(name="No Phone", phone="12", channel="api")
    assert "phone" in refused.value.message_dict
    assert not LeadIntake.objects.exists() and not Customer.objects.exists()


def test_csv_import_keeps_good_rows_and_reports_bad_ones_by_line(lead_process, stores, crm_people):
    data = (
        b"name,phone,source,budget_min\n"
        b"Good One,13300000001,website,100000\n"
        b"Bad Phone,123,website,\n"
        b"Bad Source,13300000003,fax,\n"
        b"Good Two,13300000004,referral,abc\n"
        b"Good Three,13300000005,,\n"
    )
    report = leads_import(by=crm_people["manager"], filename="leads.csv", stream=io.BytesIO(data))
    assert report.created == 2
    assert [line for line, _ in report.errors] == [3, 4, 5]
    assert "phone" in report.errors[0][1] and "fax" in report.errors[1][1] and "budget_min" in report.errors[2][1]
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Good One", "Good Three"]


def test_a_csv_with_a_missing_column_is_refused_whole(lead_process, stores, crm_people):
    with pytest.raises(ValidationError, match="Missing column: phone"):
        leads_import(by=crm_people["manager"], filename="leads.csv", stream=io.BytesIO(b"name,email\nA,a@b.c\n"))
    assert not Customer.objects.exists()


def test_excel_import(lead_process, stores, crm_people):
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone", "Intent_level"])
    sheet.append(["陈晨", 13200000001, "high"])
    sheet.append(["No Phone", None, "low"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    report = leads_import(by=crm_people["manager"], filename="leads.xlsx", stream=buffer)
    assert report.created == 1 and [line for line, _ in report.errors] == [3]
    assert Customer.objects.get().intent_level == "high"


def test_the_public_form_creates_a_prospect(lead_process, stores, client):
    page = client.post("/crm/leads/new/", {"name": "Web Visitor", "phone": "13811110000", "interest": "SUV"})
    assert page.status_code == 200 and "Thank you" in page.content.decode()
    assert LeadIntake.objects.get().channel == "web_form"


def test_the_honeypot_stores_nothing(lead_process, stores, client):
    page = client.post("/crm/leads/new/", {"name": "Bot", "phone": "13811110001", "website": "http://spam"})
    assert "Thank you" in page.content.decode() and not Customer.objects.exists()


def test_the_public_form_is_rate_limited(lead_process, stores, client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOTFLOW_LEAD_FORM_RATE = (2, 600)
    codes = [client.post("/crm/leads/new/", {"name": f"P{n}", "phone": f"1381111100{n}"}).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert Customer.objects.count() == 2


def test_the_import_page_reports_lines(lead_process, stores, crm_people, client):
    client.force_login(crm_people["manager"])
    upload = io.BytesIO(b"name,phone\nOk,13100000001\nBad,1\n")
    upload.name = "leads.csv"
    queued = client.post("/crm/leads/import/", {"file": upload})
    lead_import_run(LeadImport.objects.get().pk)  # the worker's part
    html = client.get(queued["Location"]).content.decode()
    assert "New prospects: 1;" in html and "<td>3</td>" in html


def test_behind_the_proxy_each_visitor_has_their_own_lead_form_limit(lead_process, stores, client, settings):
    settings.LOTFLOW_LEAD_FORM_RATE = (1, 600)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}

    def post(visitor, n):
        data = {"name": f"Visitor {n}", "phone": f"1381111{n:04d}"}
        # The client may write its own X-Forwarded-For; the proxy appends the address it saw.
        return client.post("/crm/leads/new/", data, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {visitor}", **proxy).status_code

    assert [post("1.1.1.1", 1), post("2.2.2.2", 2), post("1.1.1.1", 3)] == [200, 200, 429]
