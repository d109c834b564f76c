"""Every shipped process and form file is fully translated into Simplified Chinese."""

import json

import pytest
from django.conf import settings
from lxml import etree

from engine.translations import form_translation_problems, missing_bpmn_translations, missing_form_translations

PROCESS_DIR = settings.LOTFLOW["PROCESS_DIR"]


@pytest.mark.parametrize("path", sorted(PROCESS_DIR.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_process_name_task_name_and_instructions_has_chinese(path):
    assert missing_bpmn_translations(etree.parse(str(path)), "zh-Hans") == []


@pytest.mark.parametrize("path", sorted((PROCESS_DIR / "forms").glob("*.json")), ids=lambda p: p.name)
def test_every_form_title_label_help_and_choice_has_chinese(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert form_translation_problems(schema) == []
    assert missing_form_translations(schema, "zh-Hans") == []
