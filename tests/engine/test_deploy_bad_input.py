"""The deploy's bad input (issue 19): each refused with the element id and a translated reason,
before anything is stored, by deploy and by the studio's check alike."""

import pytest
from django.utils import translation

from engine import api
from engine.errors import DeploymentRefused
from engine.models import Deployment
from tests.helpers import BPMN_DIR, deploy

PAYMENT = (BPMN_DIR / "payment_merge.bpmn").read_text(encoding="utf-8")


def _problems(text: str, name: str = "drawn.bpmn") -> list[tuple[str, str, str]]:
    source = api.Source(name, text)
    checked = [(p.file, p.element, p.reason) for p in api.check_sources([source])]
    with pytest.raises(DeploymentRefused) as refused:
        api.deploy_sources([source])
    assert [(p.file, p.element, p.reason) for p in refused.value.problems] == checked
    assert not Deployment.objects.exists()
    return checked


def _payment(old: str, new: str) -> str:
    assert old in PAYMENT
    return PAYMENT.replace(old, new, 1)


def test_a_file_that_is_not_xml_is_refused_with_its_line(db):
    [(file, element, reason)] = _problems("this is not XML <at all")
    assert (file, element) == ("drawn.bpmn", "line 1")
    assert reason.startswith("not well-formed XML")


def test_xml_of_another_kind_is_refused_as_not_bpmn(db):
    [(file, element, reason)] = _problems('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><g/></svg>')
    assert (file, element) == ("drawn.bpmn", "(file)")
    assert reason == "not a BPMN file: its root element is <svg>, not <definitions> of the BPMN namespace"


def test_a_dmn_file_that_is_bpmn_is_refused_as_not_dmn(db):
    [(file, _element, reason)] = _problems(PAYMENT, name="table.dmn")
    assert file == "table.dmn"
    assert reason.startswith("not a DMN file")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(db, settings):
    settings.LOTFLOW = {**settings.LOTFLOW, "DEPLOY_MAX_FILE_BYTES": 1000}
    [(file, element, reason)] = _problems(PAYMENT)
    assert (file, element, reason) == ("drawn.bpmn", "(file)", "the file is larger than the limit of 1000 bytes")


def test_a_50_mb_file_is_refused_by_the_default_limit_without_reading_it(db, tmp_path):
    path = tmp_path / "huge.bpmn"
    with path.open("wb") as out:
        out.truncate(50 * 1024 * 1024)  # sparse: nothing is written, nothing can be parsed
    with pytest.raises(DeploymentRefused) as refused:
        deploy(str(path))
    [problem] = refused.value.problems
    assert (problem.file, problem.element, problem.reason) == (
        "huge.bpmn",
        "(file)",
        "the file is larger than the limit of 5 MB",
    )
    [(_file, _element, reason)] = _problems("<" + "x" * (50 * 1024 * 1024))
    assert reason == "the file is larger than the limit of 5 MB"


def test_a_script_task_that_imports_a_module_is_refused_at_the_task(db):
    text = _payment(
        '<bpmn:exclusiveGateway id="Gateway_0full"',
        '<bpmn:scriptTask id="Activity_0script" name="Look up"><bpmn:script>import os\nfound = 1</bpmn:script>'
        '</bpmn:scriptTask>\n    <bpmn:exclusiveGateway id="Gateway_0full"',
    )
    assert _problems(text) == [("drawn.bpmn", "Activity_0script", "script: line 1: imports are not allowed")]


def test_a_condition_that_does_not_compile_is_refused_at_its_flow(db):
    [(_file, element, reason)] = _problems(_payment("amount &gt;= price", "amount &gt;=&gt; price"))
    assert element == "Flow_full"
    assert reason.startswith("condition: ")


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("R3/PT1H", "R3/PT1X", "timer timeCycle 'R3/PT1X' is not an ISO 8601 value (such as R3/PT1H)"),
        ("R3/PT1H", "PT1H", "timer timeCycle 'PT1H' is not an ISO 8601 value (such as R3/PT1H)"),
        ("R3/PT1H", "every hour", "timer: "),
        ("R3/PT1H", "  ", "empty timer timeCycle"),
    ],
)
def test_a_timer_value_that_does_not_parse_is_refused_at_its_event(db, old, new, reason):
    text = (BPMN_DIR / "callback_reminders.bpmn").read_text(encoding="utf-8").replace(old, new, 1)
    [(_file, element, got)] = _problems(text)
    assert element == "Event_hourly"
    assert got.startswith(reason)


def test_an_expression_as_a_timer_value_is_accepted(db):
    text = (BPMN_DIR / "callback_reminders.bpmn").read_text(encoding="utf-8").replace("R3/PT1H", '"R%d/PT1H" % 3')
    assert api.check_sources([api.Source("drawn.bpmn", text)]) == []


def test_an_error_the_schema_finds_names_the_element_at_its_line(db):
    text = _payment(
        '<bpmn:userTask id="Activity_chase" name="Chase the balance">',
        '<bpmn:userTask id="Activity_chase" name="Chase the balance" bogus="1">',
    )
    [(_file, element, _reason)] = _problems(text)
    assert element == "Activity_chase"


def test_the_reasons_are_translated(db):
    with translation.override("zh-hans"):
        [(_f, _e, reason)] = _problems('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
        [(_f, element, script)] = _problems(
            _payment(
                '<bpmn:exclusiveGateway id="Gateway_0full"',
                '<bpmn:scriptTask id="Activity_0script"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
                '<bpmn:exclusiveGateway id="Gateway_0full"',
            )
        )
    assert "BPMN" in reason and "根元素" in reason
    assert (element, script) == ("Activity_0script", "脚本：第 1 行：不允许导入模块")
