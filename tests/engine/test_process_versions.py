"""The studio's view of a process's versions: the list, downloads, comparing, rolling back, and the
numbers each element of the diagram shows (engine/versions.py through engine.api)."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings

from engine import api, clock
from engine.models import AuditEvent, Deployment, Incident, IncidentStatus, ProcessInstance
from tests.helpers import assert_round_trip, deploy, only_item

LEAD_FOLLOWUP = settings.LOTFLOW["PROCESS_DIR"] / "lead_followup.bpmn"


def _deploy_followup(text: str | None = None, user=None) -> api.Deployed:
    source = api.Source("lead_followup.bpmn", text if text is not None else LEAD_FOLLOWUP.read_text())
    return api.deploy_sources([source], user=user)[0]


def _edited_followup() -> str:
    """Version 2: the contact step renamed with a higher priority, the booking's condition changed."""
    return (
        LEAD_FOLLOWUP.read_text()
        .replace('name="Contact the prospect"', 'name="Call the prospect"')
        .replace(
            '<spiffworkflow:property name="priority" value="2" />',
            '<spiffworkflow:property name="priority" value="1" />',
            1,
        )
        .replace('outcome == "interested"', 'outcome in ("interested", "maybe")')
    )


def _start(stores, n: int = 1, store=0) -> int:
    return api.start(
        "lead_followup",
        business_key=f"cust-{n}",
        data={"store_id": stores[store].pk, "customer_id": n, "customer_name": f"客户{n}", "phone": "13800000000"},
    ).instance_id


def test_the_list_gives_each_version_its_deployer_its_instances_and_marks_the_newest_live(stores, people):
    _deploy_followup(user=people["admin"])
    first = _start(stores, 1)
    api.complete(only_item(first, "Contact").pk, user=people["sales"], data={"outcome": "not_interested"})
    _deploy_followup(_edited_followup(), user=people["admin"])
    _start(stores, 2)
    _start(stores, 3, store=1)

    [process] = [p for p in api.process_versions() if p["process_id"] == "lead_followup"]
    v2, v1 = process["versions"]
    assert (v2["version"], v2["live"], v2["running"], v2["finished"]) == (2, True, 2, 0)
    assert (v1["version"], v1["live"], v1["running"], v1["finished"]) == (1, False, 0, 1)
    assert v1["deployed_by"] == people["admin"]
    assert process["running"] == 2


def test_a_store_manager_counts_only_their_stores_instances(stores, people):
    _deploy_followup()
    _start(stores, 1)
    _start(stores, 2, store=1)
    [process] = api.process_versions(stores={stores[0].pk})
    assert process["versions"][0]["running"] == 1


def test_the_download_holds_the_bpmn_and_its_forms_as_deploy_reads_them(db):
    _deploy_followup()
    name, data = api.version_archive("lead_followup", 1)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert name == "lead_followup-v1.zip"
    assert "lead_followup.bpmn" in archive.namelist()
    assert "forms/contact_prospect.json" in archive.namelist()
    assert (
        json.loads(archive.read("forms/contact_prospect.json"))
        == Deployment.objects.get().forms["contact_prospect.json"]
    )
    assert archive.read("lead_followup.bpmn").decode() == LEAD_FOLLOWUP.read_text()


def test_comparing_names_what_changed_on_which_element(db):
    _deploy_followup()
    _deploy_followup(_edited_followup())
    diff = api.compare_versions("lead_followup", 1, 2)
    changes = {c["id"]: c["changes"] for c in diff["changed"]}
    assert {"what": "name", "key": "", "old": "Contact the prospect", "new": "Call the prospect"} in changes["Contact"]
    assert {"what": "property", "key": "priority", "old": "2", "new": "1"} in changes["Contact"]
    assert changes["Flow_yes"][0]["what"] == "condition"
    assert set(changes) == {"Contact", "Flow_yes"}
    assert diff["added"] == diff["removed"] == []


def test_comparing_lists_elements_added_and_removed(db):
    deploy("exclusive_gateway.bpmn")
    deploy("discount_approval_v2.bpmn")
    diff = api.compare_versions("discount_approval", 1, 2)
    removed = {e["id"] for e in diff["removed"]}
    assert {"SalesConfirm", "HqApproval", "HowLarge", "Merge", "Lane_sales", "Flow_large"} <= removed
    assert "ManagerApproval" not in removed
    assert {e["id"] for e in diff["added"]} == set()
    [flow_start] = [c for c in diff["changed"] if c["id"] == "Flow_start"]
    assert {"what": "property", "key": "targetRef", "old": "HowLarge", "new": "ManagerApproval"} in flow_start[
        "changes"
    ]


def test_comparing_a_version_with_itself_is_refused(db):
    _deploy_followup()
    with pytest.raises(api.InvalidData):
        api.compare_versions("lead_followup", 1, 1)


def test_rolling_back_makes_the_old_files_the_newest_version_and_running_instances_keep_theirs(stores, people):
    _deploy_followup()
    _deploy_followup(_edited_followup())
    running = _start(stores, 1)  # on version 2

    version = api.rollback("lead_followup", 1, user=people["admin"], reason="客户反馈新流程太慢")

    assert version == 3
    v1, v3 = Deployment.objects.get(version=1), Deployment.objects.get(version=3)
    assert (v3.bpmn_xml, v3.forms, v3.deployed_by) == (v1.bpmn_xml, v1.forms, people["admin"])
    assert api.instance_detail(running)["version"] == 2
    assert api.instance_detail(_start(stores, 2))["version"] == 3
    assert only_item(_start(stores, 3), "Contact").title == "Contact the prospect"
    event = AuditEvent.objects.get(action="rolled_back")
    assert (event.actor, event.process_id) == (people["admin"], "lead_followup")
    assert event.data == {"version": 3, "from_version": 1, "replaced": 2, "reason": "客户反馈新流程太慢"}
    assert api.process_versions()[0]["versions"][0]["rolled_back_from"]["version"] == 1
    assert_round_trip(running)


@pytest.mark.parametrize("who", ["hq", "manager", "sales"])
def test_only_an_admin_may_roll_back(stores, people, who):
    _deploy_followup()
    _deploy_followup(_edited_followup())
    with pytest.raises(api.NotAllowed):
        api.rollback("lead_followup", 1, user=people[who], reason="because")
    assert Deployment.objects.count() == 2
    assert not AuditEvent.objects.filter(action="rolled_back").exists()


def test_a_roll_back_needs_a_reason_and_an_old_version(stores, people):
    _deploy_followup()
    _deploy_followup(_edited_followup())
    with pytest.raises(api.InvalidData) as refused:
        api.rollback("lead_followup", 1, user=people["admin"], reason="  ")
    assert "reason" in refused.value.errors
    with pytest.raises(api.InvalidData):
        api.rollback("lead_followup", 2, user=people["admin"], reason="already live")
    with pytest.raises(api.NotFound):
        api.rollback("lead_followup", 9, user=people["admin"], reason="no such version")
    assert Deployment.objects.count() == 2


def test_rolling_back_twice_to_the_same_version_stores_it_once(stores, people):
    _deploy_followup()
    _deploy_followup(_edited_followup())
    api.rollback("lead_followup", 1, user=people["admin"], reason="first click")
    with pytest.raises(api.InvalidData):
        api.rollback("lead_followup", 1, user=people["admin"], reason="second click")
    assert Deployment.objects.count() == 3
    assert AuditEvent.objects.filter(action="rolled_back").count() == 1


def test_each_element_counts_waiting_instances_time_spent_and_incidents(stores, people):
    _deploy_followup()
    start = clock.now()
    clock.freeze(start)
    first, second, elsewhere = _start(stores, 1), _start(stores, 2), _start(stores, 3, store=1)
    clock.freeze(start + timedelta(hours=2))
    api.complete(only_item(first, "Contact").pk, user=people["sales"], data={"outcome": "interested"})
    instance = ProcessInstance.objects.get(pk=second)
    Incident.objects.create(
        instance=instance,
        element_id="LookUpStore",
        error="boom",
        status=IncidentStatus.WAITING,
        created_at=start,
        updated_at=start,
    )

    stats = api.element_stats("lead_followup")
    assert stats["Contact"]["waiting"] == 2  # second and elsewhere
    assert (stats["Contact"]["done"], stats["Contact"]["average_seconds"]) == (1, 7200)
    assert stats["BookTestDrive"]["waiting"] == 1
    assert stats["ContactOverdue"]["waiting"] == 2  # the boundary timers
    assert stats["LookUpStore"]["incidents"] == 1

    mine = api.element_stats("lead_followup", stores={stores[1].pk})
    assert mine["Contact"]["waiting"] == 1 and "BookTestDrive" not in mine

    waiting = api.instances_of("lead_followup", element_id="Contact", what="waiting")
    assert {i.pk for i in waiting} == {second, elsewhere}
    assert [i.pk for i in api.instances_of("lead_followup", element_id="Contact", what="done")] == [first]
    assert [i.pk for i in api.instances_of("lead_followup", element_id="LookUpStore", what="incidents")] == [second]
    assert [i.pk for i in api.instances_of("lead_followup", stores={stores[1].pk})] == [elsewhere]


def test_the_diagram_of_an_instance_names_where_it_waits_and_what_it_went_through(stores, people):
    _deploy_followup()
    instance = _start(stores, 1)
    api.complete(only_item(instance, "Contact").pk, user=people["sales"], data={"outcome": "interested"})
    shown = api.instance_diagram(instance)
    assert "BookTestDrive" in shown["waiting"]
    assert "Contact" in shown["done"]
    assert api.instance_data(instance)["customer_name"] == "客户1"
    assert {"LookUpStore", "ProspectAssigned", "Interested"} <= set(shown["done"])  # automatic steps and gateways too
    labels = api.data_labels("lead_followup", 1, language="zh-hans")
    assert labels["outcome"] == {
        "label": "通话结果",
        "choices": {"interested": "有意向", "not_interested": "无意向", "unreachable": "未接通"},
    }


def test_a_persons_diagram_keeps_the_drawing_and_names_but_no_expressions(db):
    _deploy_followup()
    xml = api.public_diagram("lead_followup", 1, language="zh-hans")
    assert "联系潜客" in xml and "bpmndi:BPMNShape" in xml
    assert "outcome ==" not in xml and "subjectRef" not in xml and "instructionsForEndUser" not in xml
    named = api.public_diagram("lead_followup", 1, lane_names={"sales": "销售顾问"})
    assert 'name="销售顾问"' in named and 'name="sales"' not in named
