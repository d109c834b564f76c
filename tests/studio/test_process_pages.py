"""The processes pages per role: admins and hq read everything, store managers their stores'
instances, everyone else gets 404; only admins roll back (a POST from anyone else writes nothing)."""

import io
import json
import zipfile

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from engine import api
from engine.models import AuditEvent, Deployment
from tests.helpers import only_item

LEAD_FOLLOWUP = settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"


def signed_in(user) -> Client:
    """Signed in, reading Chinese (the group's language in production)."""
    user.staff.language = "zh-hans"
    user.staff.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _deploy(text: str | None = None, user=None) -> None:
    api.deploy_sources([api.Source("lead_followup.bpmn", text or LEAD_FOLLOWUP.read_text())], user=user)


def _start(stores, n: int, store: int = 0) -> int:
    return api.start(
        "lead_followup",
        business_key=f"cust-{n}",
        data={"store_id": stores[store].pk, "customer_id": n, "customer_name": f"客户{n}", "phone": "13800000000"},
    ).instance_id


@pytest.fixture
def two_versions(people, stores):
    _deploy(user=people["admin"])
    pudong = _start(stores, 1)
    _deploy(
        LEAD_FOLLOWUP.read_text().replace('name="Contact the prospect"', 'name="Call the prospect"'),
        user=people["admin"],
    )
    westlake = _start(stores, 2, store=1)
    return {"pudong": pudong, "westlake": westlake}


READERS = ["admin", "hq", "manager"]
OTHERS = ["sales", "finance"]


@pytest.mark.parametrize("who", READERS)
def test_readers_see_the_processes_list_with_versions(people, two_versions, who):
    page = signed_in(people[who]).get(reverse("studio:processes"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "潜客跟进" in text  # the process's Chinese name (the default language)
    assert "版本 2" in text and "版本 1" in text
    assert reverse("studio:download", args=["lead_followup", 1]) in text


@pytest.mark.parametrize("who", OTHERS)
def test_others_get_404_on_every_studio_page(people, two_versions, who):
    client = signed_in(people[who])
    for url in (
        reverse("studio:processes"),
        reverse("studio:process", args=["lead_followup", 1]),
        reverse("studio:download", args=["lead_followup", 1]),
        reverse("studio:compare", args=["lead_followup"]),
        reverse("studio:instances", args=["lead_followup"]),
        reverse("studio:instance", args=[two_versions["pudong"]]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_header_offers_processes_to_readers_only(people, two_versions):
    url = reverse("studio:processes")
    assert url in signed_in(people["manager"]).get(reverse("inbox:inbox")).content.decode()
    assert url not in signed_in(people["sales"]).get(reverse("inbox:inbox")).content.decode()


def test_a_store_manager_opens_their_stores_instances_only(people, two_versions):
    client = signed_in(people["manager"])
    assert client.get(reverse("studio:instance", args=[two_versions["pudong"]])).status_code == 200
    assert client.get(reverse("studio:instance", args=[two_versions["westlake"]])).status_code == 404
    listed = client.get(reverse("studio:instances", args=["lead_followup"])).content.decode()
    assert f"第 {two_versions['pudong']} 号" in listed
    assert f"第 {two_versions['westlake']} 号" not in listed


def test_hq_opens_every_instance_with_its_wait_history_and_data(people, two_versions):
    page = signed_in(people["hq"]).get(reverse("studio:instance", args=[two_versions["westlake"]]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "杭州西湖店" in text
    assert "联系潜客" in text  # where it waits, by its Chinese name
    assert "客户2" in text  # its data
    assert "<dt>潜客</dt>" in text  # named by the title of the form field that shows it
    assert "T0" not in text.split("<script")[0]  # no ISO times in the page's text


def test_the_process_page_links_each_number_to_its_instances(people, two_versions):
    page = signed_in(people["admin"]).get(reverse("studio:process", args=["lead_followup", 2]))
    text = page.content.decode()
    assert page.status_code == 200
    instances = reverse("studio:instances", args=["lead_followup"])
    assert f"{instances}?version=2&amp;element=Contact&amp;what=waiting" in text
    config = json.loads(text.split('id="diagram-process" type="application/json">')[1].split("</script>")[0])
    [badge] = [b for b in config["badges"] if b["element"] == "Contact"]
    assert badge["items"][0]["kind"] == "waiting"
    waiting = signed_in(people["admin"]).get(badge["items"][0]["href"]).content.decode()
    assert f"第 {two_versions['westlake']} 号" in waiting and f"第 {two_versions['pudong']} 号" not in waiting


def test_a_store_manager_counts_only_their_store_on_the_diagram(people, two_versions):
    text = signed_in(people["manager"]).get(reverse("studio:process", args=["lead_followup", 2])).content.decode()
    config = json.loads(text.split('id="diagram-process" type="application/json">')[1].split("</script>")[0])
    assert config["badges"] == []  # the waiting instance of version 2 is 杭州西湖店's


def test_download_gives_the_zip_or_the_bpmn_alone(people, two_versions):
    client = signed_in(people["hq"])
    archive = client.get(reverse("studio:download", args=["lead_followup", 1]))
    assert archive["Content-Type"] == "application/zip"
    assert "forms/contact_prospect.json" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    bpmn = client.get(reverse("studio:download", args=["lead_followup", 1]) + "?part=bpmn")
    assert bpmn.content.decode() == LEAD_FOLLOWUP.read_text()
    assert 'filename="lead_followup.bpmn"' in bpmn["Content-Disposition"]


def test_compare_lists_the_changed_name(people, two_versions):
    text = (
        signed_in(people["hq"]).get(reverse("studio:compare", args=["lead_followup"]) + "?old=1&new=2").content.decode()
    )
    assert "Contact the prospect" in text and "Call the prospect" in text
    assert "已修改" in text


@pytest.mark.parametrize("who", ["hq", "manager", "sales"])
def test_only_admins_roll_back_and_others_get_404_with_nothing_written(people, two_versions, who):
    response = signed_in(people[who]).post(reverse("studio:rollback", args=["lead_followup", 1]), {"reason": "x"})
    assert response.status_code == 404
    assert Deployment.objects.count() == 2
    assert not AuditEvent.objects.filter(action="rolled_back").exists()


def test_an_admin_rolls_back_with_a_reason(people, two_versions):
    client = signed_in(people["admin"])
    refused = client.post(reverse("studio:rollback", args=["lead_followup", 1]), {"reason": " "}, follow=True)
    assert Deployment.objects.count() == 2
    assert "原因" in refused.content.decode() or "为什么" in refused.content.decode()
    done = client.post(reverse("studio:rollback", args=["lead_followup", 1]), {"reason": "回到旧流程"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("studio:process", args=["lead_followup", 3])
    assert Deployment.objects.get(version=3).bpmn_xml == LEAD_FOLLOWUP.read_text()
    assert AuditEvent.objects.get(action="rolled_back").data["reason"] == "回到旧流程"
    assert api.instance_detail(two_versions["westlake"])["version"] == 2


def test_the_task_page_carries_a_diagram_of_the_step_and_no_data(people, stores):
    _deploy()
    instance = _start(stores, 7)
    item = only_item(instance, "Contact")
    client = signed_in(people["sales"])
    page = client.get(reverse("inbox:item", args=[item.pk])).content.decode()
    assert reverse("studio:item_diagram", args=[item.pk]) in page
    shown = client.get(reverse("studio:item_diagram", args=[item.pk])).json()
    assert shown["markers"]["waiting"] == ["Contact"]
    assert "客户7" not in shown["xml"] and "outcome ==" not in shown["xml"]
    assert signed_in(people["other_sales"]).get(reverse("studio:item_diagram", args=[item.pk])).status_code == 404
    api.complete(item.pk, user=people["sales"], data={"outcome": "interested"})
    after = client.get(reverse("studio:item_diagram", args=[item.pk])).json()["markers"]
    assert after["waiting"] == [] and "Contact" in after["done"]


def test_bad_comparisons_and_versions_are_answered_clearly(people, two_versions):
    client = signed_in(people["admin"])
    compare = reverse("studio:compare", args=["lead_followup"])
    same = client.get(compare + "?old=2&new=2")
    assert same.status_code == 200 and "请选择两个不同的版本进行比较" in same.content.decode()
    assert client.get(compare + "?old=1&new=9").status_code == 404
    assert client.get(compare + "?old=x&new=2").status_code == 404
    assert client.get(reverse("studio:process", args=["lead_followup", 9])).status_code == 404
    assert client.get(reverse("studio:process", args=["no_such_process", 1])).status_code == 404
    assert client.post(reverse("studio:rollback", args=["lead_followup", 9]), {"reason": "x"}).status_code == 404
    assert Deployment.objects.count() == 2


def test_the_studio_tabs_show_only_the_pages_that_exist(people, two_versions):
    text = signed_in(people["admin"]).get(reverse("studio:processes")).content.decode()
    tabs = text.split('class="lf-tabs"')[1].split("</nav>")[0]
    assert reverse("studio:processes") in tabs
    for name in ("incidents", "migrate", "rules"):
        try:
            url = reverse(f"studio:{name}")
        except NoReverseMatch:  # not merged yet: no tab
            continue
        assert url in tabs


def test_a_standalone_reminder_page_has_no_diagram(people, stores):
    reminder, _created = api.create_item(kind="reminder", title="Call back", assignee=people["sales"])
    page = signed_in(people["sales"]).get(reverse("inbox:item", args=[reminder.pk])).content.decode()
    assert "lf-item-diagram" not in page
    assert signed_in(people["sales"]).get(reverse("studio:item_diagram", args=[reminder.pk])).status_code == 404


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_ask_the_same_number_of_queries_whatever_the_number_of_instances(people, stores, two_versions):
    """No query per version, instance or element: a page with more rows costs what it cost with fewer."""
    client = signed_in(people["hq"])
    urls = [
        reverse("studio:processes"),
        reverse("studio:process", args=["lead_followup", 2]),
        reverse("studio:instances", args=["lead_followup"]),
    ]
    _warm = [_queries(client, url) for url in urls]  # a deployment's texts are read once, then cached
    before = [_queries(client, url) for url in urls]
    for n in range(3, 8):
        _start(stores, n, store=n % 2)
    _deploy(LEAD_FOLLOWUP.read_text().replace('value="PT24H"', 'value="PT48H"'), user=people["admin"])
    _warm = [_queries(client, url) for url in urls]
    assert [_queries(client, url) for url in urls] == before
