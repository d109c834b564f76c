"""Deploy refuses invalid files, each problem located by file, element id and reason;
nothing of the batch is stored, and the version that was live stays live."""

import pytest

from engine import api
from engine.errors import DeploymentRefused
from engine.models import Deployment
from tests.helpers import BPMN_DIR, assert_round_trip, deploy, only_item


def _refusal(*names: str) -> list[tuple[str, str, str]]:
    with pytest.raises(DeploymentRefused) as refused:
        deploy(*names)
    return [(p.file, p.element, p.reason) for p in refused.value.problems]


@pytest.mark.parametrize(
    ("files", "file", "element", "reason"),
    [
        (["invalid_xml.bpmn"], "invalid_xml.bpmn", "line 8", "not well-formed XML"),
        (
            ["invalid_no_role.bpmn"],
            "invalid_no_role.bpmn",
            "Orphan",
            "a user task needs a role (its lane's, a role property or camunda:candidateGroups) or an assignee",
        ),
        (
            ["invalid_service.bpmn"],
            "invalid_service.bpmn",
            "SendSms",
            "service function 'test.send_sms' is not registered",
        ),
        (
            ["invalid_missing_form.bpmn"],
            "invalid_missing_form.bpmn",
            "Record",
            "form file 'no_such_form.json' not found",
        ),
        (["invalid_form.bpmn"], "invalid_schema.json", "Record", "not a valid JSON Schema: 'timestamp' is not valid"),
        (
            ["invalid_provider.bpmn"],
            "unknown_provider.json",
            "Record",
            "field 'buyer' names choice provider 'test.nobody_registered_this', which is not registered",
        ),
        (
            ["invalid_hit_policy.bpmn", "invalid_hit_policy.dmn"],
            "invalid_hit_policy.dmn",
            "Table_first_hit",
            "hit policy FIRST is not implemented (use UNIQUE or COLLECT)",
        ),
        (
            ["invalid_call.bpmn"],
            "invalid_call.bpmn",
            "Appraise",
            "calls process 'never_deployed', which is not deployed",
        ),
    ],
)
def test_an_invalid_file_is_refused_with_file_element_and_reason(db, files, file, element, reason):
    [(got_file, got_element, got_reason)] = _refusal(*files)
    assert (got_file, got_element) == (file, element)
    assert got_reason.startswith(reason)
    assert not Deployment.objects.exists()


def test_reserved_ids_start_and_end_are_refused(db):
    problems = _refusal("invalid_reserved_ids.bpmn")
    assert [(f, e) for f, e, _ in problems] == [
        ("invalid_reserved_ids.bpmn", "Start"),
        ("invalid_reserved_ids.bpmn", "End"),
    ]
    assert all("reserved" in reason for _, _, reason in problems)


def test_a_call_to_a_process_deployed_in_the_same_batch_is_accepted(db):
    deployed = deploy("vehicle_purchase.bpmn", "inspection_v1.bpmn")
    assert sorted((d.process_id, d.version) for d in deployed) == [("vehicle_inspection", 1), ("vehicle_purchase", 1)]


def test_one_invalid_file_refuses_the_whole_batch(db):
    problems = _refusal("parallel_gateway.bpmn", "invalid_lane.bpmn", "invalid_service.bpmn")
    assert sorted({f for f, _, _ in problems}) == ["invalid_lane.bpmn", "invalid_service.bpmn"]
    assert not Deployment.objects.exists()


def test_a_refused_new_version_leaves_the_live_version_live(stores):
    deploy("exclusive_gateway.bpmn")
    _refusal("discount_approval_broken.bpmn")
    assert list(Deployment.objects.values_list("process_id", "version")) == [("discount_approval", 1)]
    instance = api.start("discount_approval", data={"store_id": stores[0].pk, "amount": 100}).instance_id
    assert only_item(instance).element_id == "SalesConfirm"
    assert_round_trip(instance)


def test_a_file_of_an_unknown_kind_is_refused(db):
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([api.Source("notes.txt", "call the customer")])
    assert refused.value.problems[0].reason.startswith("unknown file type")


def test_a_file_without_an_executable_process_is_refused(db):
    text = (BPMN_DIR / "parallel_gateway.bpmn").read_text().replace('isExecutable="true"', 'isExecutable="false"')
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([api.Source("not_executable.bpmn", text)])
    assert refused.value.problems[0].reason == "no executable process found"


def test_a_refusal_message_lists_every_problem_located(db):
    with pytest.raises(DeploymentRefused) as refused:
        deploy("invalid_lane.bpmn", "invalid_service.bpmn")
    assert str(refused.value).splitlines() == [
        (
            "invalid_lane.bpmn: Call: a user task needs a role or an assignee: its lane 'salesman' is bound to no "
            "role (give the lane a role property, or the task a role, camunda:candidateGroups or an assignee)"
        ),
        (
            "invalid_lane.bpmn: Lane_salesman: lane 'salesman' is bound to no role: its name is no role code and "
            "it has no role property (roles: admin, complaints, finance, hq, sales, service, store_manager); "
            "user tasks Call need one"
        ),
        "invalid_service.bpmn: SendSms: service function 'test.send_sms' is not registered",
    ]


def _lead_to_cash(settings, old: str, new: str) -> api.Source:
    text = (settings.LOTFLOW["PROCESS_DIR"] / "lead_to_cash.bpmn").read_text(encoding="utf-8")
    assert old in text
    return api.Source("lead_to_cash.bpmn", text.replace(old, new, 1))


def test_continues_naming_a_missing_step_is_refused_at_the_task(db, settings):
    source = _lead_to_cash(settings, 'name="continues" value="RecordDeposit"', 'name="continues" value="TakeDeposit"')
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([source])
    [problem] = refused.value.problems
    assert (problem.file, problem.element) == ("lead_to_cash.bpmn", "Balance")
    assert problem.reason.startswith("property 'continues': 'TakeDeposit' is no user task of this process")
    assert not Deployment.objects.exists()


def test_continues_naming_an_element_that_is_no_user_task_is_refused(db, settings):
    source = _lead_to_cash(settings, 'name="continues" value="RecordDeposit"', 'name="continues" value="LeadReceived"')
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([source])
    assert [p.element for p in refused.value.problems] == ["Balance"]


def test_continues_and_assignee_on_one_task_are_refused(db, settings):
    source = _lead_to_cash(
        settings,
        '<spiffworkflow:property name="continues" value="RecordDeposit" />',
        '<spiffworkflow:property name="continues" value="RecordDeposit" />'
        '<spiffworkflow:property name="assignee" value="RecordDeposit_by" />',
    )
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([source])
    assert [(p.element, p.reason) for p in refused.value.problems] == [
        ("Balance", "properties 'assignee' and 'continues' exclude each other; keep one")
    ]
