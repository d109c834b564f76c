"""Process and form files carry their translations; readers see their own language.

Deploy refuses a translation of something that does not exist, located like every
other deploy problem; a file drawn in Chinese with no translations runs as drawn.
"""

import json

import pytest
from django.utils import translation

from engine import api
from engine.errors import DeploymentRefused
from engine.models import Deployment
from tests.helpers import assert_round_trip, only_item

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_t" targetNamespace="http://lotflow.example/test">
  <bpmn:process id="greeting" name="{process_name}" isExecutable="true">
    {process_extensions}
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_sales" name="sales"><bpmn:flowNodeRef>Call</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Begin" />
    <bpmn:userTask id="Call" name="{task_name}">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          {task_properties}
        </spiffworkflow:properties>
        <spiffworkflow:instructionsForEndUser>{instructions}</spiffworkflow:instructionsForEndUser>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="Finish" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Begin" targetRef="Call" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Call" targetRef="Finish" />
  </bpmn:process>
</bpmn:definitions>
"""

FORM = {
    "title": "Call",
    "type": "object",
    "properties": {
        "outcome": {"type": "string", "title": "Outcome", "enum": ["interested", "unreachable"]},
    },
}


def _bpmn(**parts: str) -> str:
    values = {
        "process_name": "Greeting",
        "process_extensions": "",
        "task_name": "Call the customer",
        "task_properties": "",
        "instructions": "Call **{{ customer_name }}** today.",
    }
    return PROCESS.format(**{**values, **parts})


def _deploy(text: str, form: dict | None = None) -> list[api.Deployed]:
    sources = [api.Source("greeting.bpmn", text)]
    if form is not None:
        sources.append(api.Source("call.json", json.dumps(form)))
    return api.deploy_sources(sources)


def _refused(text: str, form: dict | None = None) -> list[tuple[str, str, str]]:
    with pytest.raises(DeploymentRefused) as refused:
        _deploy(text, form)
    assert not Deployment.objects.exists()
    return [(p.file, p.element, p.reason) for p in refused.value.problems]


TRANSLATED = _bpmn(
    process_extensions=(
        '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="name.zh-Hans" '
        'value="问候" /></spiffworkflow:properties></bpmn:extensionElements>'
    ),
    task_properties=(
        '<spiffworkflow:property name="form" value="call.json" />'
        '<spiffworkflow:property name="name.zh-Hans" value="致电客户" />'
        '<spiffworkflow:property name="instructions.zh-Hans" value="今天致电 **{{ customer_name }}**。" />'
    ),
)
TRANSLATED_FORM = {
    **FORM,
    "translations": {
        "zh-Hans": {
            "title": "通话",
            "fields": {"outcome": {"title": "通话结果", "choices": {"interested": "有意向", "unreachable": "未接通"}}},
        }
    },
}


def _start(people, stores) -> int:
    result = api.start("greeting", user=people["manager"], data={"store_id": stores[0].pk, "customer_name": "吴强"})
    return result.instance_id


def test_the_same_item_shows_chinese_to_a_chinese_reader_and_english_to_an_english_one(people, stores):
    _deploy(TRANSLATED, TRANSLATED_FORM)
    instance_id = _start(people, stores)
    item = only_item(instance_id, "Call")
    with translation.override("zh-hans"):
        chinese = api.localize_item(api.item_visible_to(item.pk, people["sales"]))
        form = api.form_for(item)
        names = api.process_names({"greeting"})
    with translation.override("en"):
        english = api.localize_item(api.item_visible_to(item.pk, people["sales"]))
        english_form = api.form_for(item)
    assert (chinese.title, chinese.instructions) == ("致电客户", "今天致电 **吴强**。")
    assert (english.title, english.instructions) == ("Call the customer", "Call **吴强** today.")
    assert form["title"] == "通话" and form["properties"]["outcome"]["title"] == "通话结果"
    assert form["properties"]["outcome"]["x-choice-titles"] == {"interested": "有意向", "unreachable": "未接通"}
    assert english_form["title"] == "Call" and "x-choice-titles" not in english_form["properties"]["outcome"]
    assert names == {"greeting": "问候"}
    api.complete(item.pk, user=people["sales"], data={"outcome": "interested"})
    assert_round_trip(instance_id)


def test_a_translation_may_take_another_key_of_a_value_the_drawn_text_uses(people, stores):
    # {{ car.zh }} translates {{ car.en }}: the same data, named as each language's readers name it.
    _deploy(
        _bpmn(
            instructions="Show **{{ car.en }}** to {{ customer_name }}.",
            task_properties=(
                '<spiffworkflow:property name="instructions.zh-Hans" '
                'value="向{{ customer_name }}介绍 **{{ car.zh }}**。" />'
            ),
        )
    )
    data = {"store_id": stores[0].pk, "customer_name": "吴强", "car": {"en": "Toyota Camry", "zh": "丰田 凯美瑞"}}
    item = only_item(api.start("greeting", user=people["manager"], data=data).instance_id, "Call")
    with translation.override("zh-hans"):
        chinese = api.localize_item(api.item_visible_to(item.pk, people["sales"]))
    with translation.override("en"):
        english = api.localize_item(api.item_visible_to(item.pk, people["sales"]))
    assert chinese.instructions == "向吴强介绍 **丰田 凯美瑞**。"
    assert english.instructions == "Show **Toyota Camry** to 吴强."


def test_the_json_form_of_an_item_keeps_its_keys_and_adds_the_drawn_title(people, stores):
    _deploy(TRANSLATED, TRANSLATED_FORM)
    item = only_item(_start(people, stores), "Call")
    with translation.override("zh-hans"):
        shown = api.item_as_dict(item)
    assert (shown["title"], shown["drawn_title"]) == ("致电客户", "Call the customer")


def test_a_process_drawn_in_chinese_without_translations_runs_as_drawn(people, stores):
    _deploy(_bpmn(process_name="问候", task_name="致电客户", instructions="今天致电 **{{ customer_name }}**。"))
    instance_id = _start(people, stores)
    item = only_item(instance_id, "Call")
    with translation.override("en"):
        shown = api.localize_item(api.item_visible_to(item.pk, people["sales"]))
    assert (shown.title, shown.instructions) == ("致电客户", "今天致电 **吴强**。")
    assert item.texts == {}  # nothing to keep: there is only the drawn text
    api.complete(item.pk, user=people["sales"])
    assert_round_trip(instance_id)


@pytest.mark.parametrize(
    ("properties", "element", "reason"),
    [
        (
            '<spiffworkflow:property name="name.xx-Nowhere" value="?" />',
            "Call",
            "property 'name.xx-Nowhere': unknown language 'xx-Nowhere'",
        ),
        (
            '<spiffworkflow:property name="Ghost:name.zh-Hans" value="幽灵" />',
            "Call",
            "property 'Ghost:name.zh-Hans': there is no element 'Ghost' in this file",
        ),
        (
            '<spiffworkflow:property name="subject.zh-Hans" value="客户" />',
            "Call",
            "property 'subject.zh-Hans': only name and instructions are translated",
        ),
        (
            '<spiffworkflow:property name="Begin:name.zh-Hans" value="开始" />',
            "Call",
            "property 'Begin:name.zh-Hans': element 'Begin' has no name to translate",
        ),
        (
            '<spiffworkflow:property name="instructions.zh-Hans" value="致电 {{ phone }}" />',
            "Call",
            "property 'instructions.zh-Hans': uses {{ phone }}, which the drawn instructions do not",
        ),
    ],
)
def test_a_translation_of_something_that_does_not_exist_is_refused_with_its_location(db, properties, element, reason):
    problems = _refused(_bpmn(task_properties=properties))
    assert [(f, e) for f, e, _r in problems] == [("greeting.bpmn", element)]
    assert problems[0][2].startswith(reason)


@pytest.mark.parametrize(
    ("translations", "reason"),
    [
        (
            {"zh-Hans": {"fields": {"mood": {"title": "心情"}}}},
            "translations.zh-Hans.fields.mood: the form has no such field",
        ),
        (
            {"zh-Hans": {"fields": {"outcome": {"choices": {"maybe": "也许"}}}}},
            "translations.zh-Hans.fields.outcome.choices.maybe: the field has no such choice",
        ),
        (
            {"zh-Hans": {"fields": {"outcome": {"description": "说明"}}}},
            "translations.zh-Hans.fields.outcome.description: the field has no description to translate",
        ),
        ({"klingon": {"title": "?"}}, "translations.klingon: unknown language 'klingon'"),
    ],
)
def test_a_form_translation_for_a_missing_field_or_choice_is_refused(db, translations, reason):
    text = _bpmn(task_properties='<spiffworkflow:property name="form" value="call.json" />')
    problems = _refused(text, {**FORM, "translations": translations})
    assert len(problems) == 1
    assert problems[0][:2] == ("call.json", "Call") and problems[0][2].startswith(reason)
