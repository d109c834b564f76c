"""Every expression in a process runs in the restricted script engine: what it can tell
from the text is refused at deploy with the element named; what only fails when it runs
becomes an incident on that element."""

from xml.sax.saxutils import escape, quoteattr

import pytest

import tests.engine.services  # noqa: F401 - registers test.quote
from engine import api
from engine.errors import DeploymentRefused
from engine.models import Deployment, Incident
from tests.helpers import assert_round_trip, only_item

SAFE = {
    "script": "price = base * 2",
    "param": "price",
    "condition": "price > 0",
    "subject": '"car %s" % price',
    "due": '"P%dD" % days',
    "prescript": "review_round = 1",
    "postscript": "reviewed = True",
    "timer": '"PT%dH" % hours',
    "payload": '{"price": price}',
}


def _bpmn(**snippets: str) -> str:
    """A process that uses an expression in every place one can go, with ``snippets`` swapped in."""
    s = {**SAFE, **snippets}
    text = {k: escape(v) for k, v in s.items()}
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_restricted" targetNamespace="http://lotflow.example/test">
  <bpmn:message id="Message_quote" name="quote_sent" />
  <bpmn:process id="restricted" isExecutable="true">
    <bpmn:laneSet id="LaneSet_restricted">
      <bpmn:lane id="Lane_sales" name="sales"><bpmn:flowNodeRef>Review</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Begin" />
    <bpmn:scriptTask id="Compute"><bpmn:script>{text["script"]}</bpmn:script></bpmn:scriptTask>
    <bpmn:serviceTask id="Quote">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="test.quote" resultVariable="quote">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="price" type="int" value={quoteattr(s["param"])} />
            <spiffworkflow:parameter id="quantity" type="int" value="1" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:exclusiveGateway id="Route" default="Flow_skip" />
    <bpmn:userTask id="Review" name="Review">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="subject" value={quoteattr(s["subject"])} />
          <spiffworkflow:property name="due" value={quoteattr(s["due"])} />
        </spiffworkflow:properties>
        <spiffworkflow:preScript>{text["prescript"]}</spiffworkflow:preScript>
        <spiffworkflow:postScript>{text["postscript"]}</spiffworkflow:postScript>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="ReviewLate" attachedToRef="Review" cancelActivity="false">
      <bpmn:timerEventDefinition id="TimerDef_late">
        <bpmn:timeDuration>{text["timer"]}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:intermediateThrowEvent id="SendQuote">
      <bpmn:messageEventDefinition id="MsgDef_quote" messageRef="Message_quote">
        <bpmn:extensionElements>
          <spiffworkflow:messagePayload>{text["payload"]}</spiffworkflow:messagePayload>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="Done" />
    <bpmn:endEvent id="Late" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Begin" targetRef="Compute" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Compute" targetRef="Quote" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Quote" targetRef="Route" />
    <bpmn:sequenceFlow id="Flow_review" sourceRef="Route" targetRef="Review">
      <bpmn:conditionExpression>{text["condition"]}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_skip" sourceRef="Route" targetRef="Done" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Review" targetRef="SendQuote" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="SendQuote" targetRef="Done" />
    <bpmn:sequenceFlow id="Flow_late" sourceRef="ReviewLate" targetRef="Late" />
  </bpmn:process>
</bpmn:definitions>
"""


def _deploy(**snippets: str) -> None:
    api.deploy_sources([api.Source("restricted.bpmn", _bpmn(**snippets))])


def _start(stores, **data) -> int:
    facts = {"store_id": stores[0].pk, "base": 100, "days": 2, "hours": 4}
    return api.start("restricted", data={**facts, **data}).instance_id


def test_the_safe_version_of_the_process_deploys_and_runs(stores, people):
    _deploy()
    instance = _start(stores)
    item = only_item(instance, "Review")
    assert (item.subject_label, item.instructions) == ("car 200", "")
    api.complete(item.pk, user=people["sales"])
    assert api.instance_detail(instance)["status"] == "completed"
    assert_round_trip(instance)


# --- refused at deploy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "snippet", "element", "reason"),
    [
        ("script", "import os\nprice = 1", "Compute", "imports are not allowed"),
        ("script", "from subprocess import run", "Compute", "imports are not allowed"),
        ("script", "price = open('/etc/passwd').read()", "Compute", "open() is not allowed"),
        ("script", "price = ().__class__.__bases__", "Compute", '"__class__" is an invalid attribute name'),
        ("script", "price = eval('1')", "Compute", "eval() is not allowed"),
        ("param", "__import__('os').getpid()", "Quote", '"__import__" is an invalid variable name'),
        ("condition", "price.__class__ is int", "Flow_review", '"__class__" is an invalid attribute name'),
        ("subject", "open('x').read()", "Review", "open() is not allowed"),
        ("due", "getattr(price, 'real')", "Review", "getattr() is not allowed"),
        ("prescript", "import os", "Review", "imports are not allowed"),
        ("postscript", "reviewed = price.__dict__", "Review", '"__dict__" is an invalid attribute name'),
        ("timer", "__builtins__['open']('x')", "ReviewLate", '"__builtins__" is an invalid variable name'),
        ("payload", "{'g': globals()}", "SendQuote", "globals() is not allowed"),
    ],
)
def test_a_forbidden_expression_is_refused_at_deploy_with_its_element_named(db, slot, snippet, element, reason):
    with pytest.raises(DeploymentRefused) as refused:
        _deploy(**{slot: snippet})
    assert [(p.file, p.element) for p in refused.value.problems] == [("restricted.bpmn", element)]
    assert reason in refused.value.problems[0].reason
    assert not Deployment.objects.exists()


def test_every_forbidden_expression_in_a_file_is_reported(db):
    with pytest.raises(DeploymentRefused) as refused:
        _deploy(script="import os", condition="open('x')", timer="price.__class__")
    assert sorted(p.element for p in refused.value.problems) == ["Compute", "Flow_review", "ReviewLate"]


def test_a_forbidden_dmn_entry_is_refused_with_its_rule_entry_named(db):
    dmn = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_bad" name="Bad"
             namespace="http://lotflow.example/test">
  <decision id="bad_decision" name="Bad">
    <decisionTable id="Table_bad" hitPolicy="UNIQUE">
      <input id="Input_1" label="Tier"><inputExpression id="InputExpr_1"><text>tier</text></inputExpression></input>
      <output id="Output_1" name="discount" />
      <rule id="Rule_1">
        <inputEntry id="In_1"><text>__import__('os').name</text></inputEntry>
        <outputEntry id="Out_1"><text>open('/etc/passwd').read()</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([api.Source("bad.dmn", dmn), api.Source("restricted.bpmn", _bpmn())])
    assert sorted((p.file, p.element) for p in refused.value.problems) == [("bad.dmn", "In_1"), ("bad.dmn", "Out_1")]


# --- refused only when it runs: an incident on the element ------------------------------------------

FORMAT_REFUSED = "format*() methods of `str` is not safe"


@pytest.mark.parametrize(
    ("script", "data", "error"),
    [
        # str.format can reach attributes (``{0.__class__}``): the guard refuses it whatever the text
        ("label = template.format(price=base)", {"template": "{price.__class__}"}, FORMAT_REFUSED),
        ("kind = type(base)", {}, "name 'type' is not defined"),
    ],
)
def test_a_script_refused_at_run_time_is_an_incident_naming_its_element(stores, script, data, error):
    _deploy(script=script + "\nprice = base")
    instance = _start(stores, **data)
    incident = Incident.objects.get(instance_id=instance)
    assert incident.element_id == "Compute"
    assert error in incident.error
    assert api.instance_detail(instance)["incidents"][0]["element_id"] == "Compute"
    assert_round_trip(instance)


def test_a_task_property_refused_at_run_time_is_an_incident_naming_the_task(stores):
    _deploy(subject="template.format(price)")
    instance = _start(stores, template="{}")
    [incident] = api.instance_detail(instance)["incidents"]
    assert incident["element_id"] == "Review"
    assert FORMAT_REFUSED in incident["error"]
    assert_round_trip(instance)


@pytest.mark.parametrize(
    ("snippets", "missing", "element"),
    [
        ({"condition": "price > threshold"}, "threshold", "Route"),
        ({}, "hours", "ReviewLate"),
    ],
)
def test_an_expression_that_fails_when_it_runs_is_an_incident_naming_its_element(stores, snippets, missing, element):
    _deploy(**snippets)
    facts = {"store_id": stores[0].pk, "base": 100, "days": 2, "hours": 4}
    instance = api.start("restricted", data={k: v for k, v in facts.items() if k != missing}).instance_id
    [incident] = api.instance_detail(instance)["incidents"]
    assert incident["element_id"] == element
    assert missing in incident["error"]
    assert_round_trip(instance)


def test_get_reads_a_value_that_may_not_be_set():
    from engine.scripting import RestrictedEnvironment

    environment = RestrictedEnvironment()
    assert environment.evaluate('get("discount", 0) + 5', {}) == 5
    assert environment.evaluate('get("discount", 0) + 5', {"discount": 10}) == 15


def test_a_service_name_registered_by_two_functions_is_refused():
    from engine.registry import register_service

    register_service("test.twice")(len)
    with pytest.raises(ValueError, match="registered twice"):
        register_service("test.twice")(sum)
