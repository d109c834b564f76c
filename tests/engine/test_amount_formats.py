"""Amounts in a step's instructions as people write them: ``{{ price|number }} 元`` and ``{{ price|yuan }}``."""

import pytest

from engine import api
from engine.errors import DeploymentRefused
from engine.vocabulary import fill_instructions, placeholders

from .test_translations import _bpmn, _deploy


@pytest.mark.parametrize(
    ("text", "data", "written"),
    [
        ("{{ price|number }} 元", {"price": 148000}, "148,000 元"),
        ("{{ price | yuan }}", {"price": 148000}, "¥148,000"),
        ("{{ order.price|yuan }}", {"order": {"price": "1234567"}}, "¥1,234,567"),
        ("{{ fee|yuan }}", {"fee": 99.5}, "¥99.50"),
        ("{{ refund|yuan }}", {"refund": -5000}, "-¥5,000"),
        ("{{ price|number }} 元", {"price": "面议"}, "面议 元"),  # not a number: as it is
        ("{{ price|number }}", {}, ""),
        ("{{ price }}", {"price": 148000}, "148000"),  # no format: the value as stored
    ],
)
def test_a_placeholder_writes_an_amount_as_its_format_asks(text, data, written):
    assert fill_instructions(text, data, as_text=False) == written


def test_a_filled_value_reads_as_text_in_markdown_never_as_a_link_or_a_tag():
    """Trust probe: a name typed into the public lead form as a Markdown link became a link on staff pages."""
    name = "[Verify your account](https://evil.example/login) <b>x</b>"
    filled = fill_instructions("Call **{{ name }}** about {{ fee|yuan }}", {"name": name, "fee": 99.5})
    assert filled == (r"Call **\[Verify your account\]\(https://evil\.example/login\) &lt;b\>x&lt;/b\>** about ¥99\.50")


def test_a_placeholders_path_is_named_without_its_format():
    assert placeholders("{{ price|yuan }} and {{ order.price | number }}") == ["price", "order.price"]


def test_a_translation_may_write_an_amount_differently_from_the_drawn_text(db, people, stores):
    text = _bpmn(
        instructions="Collect **{{ deposit|yuan }}**.",
        task_properties=(
            '<spiffworkflow:property name="instructions.zh-Hans" value="收取订金 {{ deposit|number }} 元。" />'
        ),
    )
    _deploy(text)
    result = api.start("greeting", user=people["manager"], data={"store_id": stores[0].pk, "deposit": 5000})
    item = api.inbox_for(people["sales"]).claimable[0]
    assert item.instructions == "Collect **¥5,000**."
    assert api.localize_item(item, "zh-hans").instructions == "收取订金 5,000 元。"
    assert result.instance_id


@pytest.mark.parametrize(
    "parts",
    [
        {"instructions": "Collect {{ deposit|money }}."},
        {
            "task_properties": (
                '<spiffworkflow:property name="instructions.zh-Hans" value="收取 {{ customer_name|euro }}" />'
            )
        },
    ],
)
def test_an_unknown_format_is_refused_at_deploy(db, parts):
    with pytest.raises(DeploymentRefused) as refused:
        _deploy(_bpmn(**parts))
    reasons = [p.reason for p in refused.value.problems]
    assert any("unknown format |" in r and "(use number, yuan)" in r for r in reasons), reasons
