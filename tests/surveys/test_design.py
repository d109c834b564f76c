"""Admins and hq design questionnaires in the portal; nobody else sees the pages."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.surveys.models import Questionnaire

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(**questions) -> dict[str, str]:
    data = {
        "key": "test-drive",
        "reason": "delivery",
        "title_zh": "试驾体验",
        "title_en": "Your test drive",
        "intro_zh": "",
        "intro_en": "",
        "active": "on",
        "q-TOTAL_FORMS": str(len(questions)),
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "60",
    }
    for n, (kind, choices) in enumerate(questions.values()):
        data.update(
            {
                f"q-{n}-position": str(n + 1),
                f"q-{n}-topic": "sales",
                f"q-{n}-kind": kind,
                f"q-{n}-required": "on",
                f"q-{n}-text_zh": f"问题{n}",
                f"q-{n}-text_en": f"Question {n}",
                f"q-{n}-choices": choices,
            }
        )
    return data


def test_an_admin_designs_a_questionnaire_that_is_then_in_use(people):
    client = _client(people["admin"])
    assert client.get(reverse("surveys:questionnaires")).status_code == 200
    answer = client.post(
        reverse("surveys:questionnaire_new"), _post(a=("scale5", ""), b=("single", "好 | Good\n不好 | Not good"))
    )
    assert answer.status_code == 302
    made = Questionnaire.objects.get(key="test-drive")
    assert [q.kind for q in made.questions.all()] == ["scale5", "single"]
    assert made.questions.get(kind="single").choices == [{"zh": "好", "en": "Good"}, {"zh": "不好", "en": "Not good"}]
    assert list(Questionnaire.objects.filter(reason="delivery", active=True)) == [made]


def test_a_choice_question_without_choices_is_refused_and_nothing_is_lost(people):
    answer = _client(people["hq"]).post(reverse("surveys:questionnaire_new"), _post(a=("multiple", "只有一个")))
    assert answer.status_code == 400
    assert "at least two choices" in answer.content.decode()
    assert "只有一个" in answer.content.decode()
    assert not Questionnaire.objects.filter(key="test-drive").exists()


def test_salespeople_do_not_see_the_design_pages(people):
    assert _client(people["sales"]).get(reverse("surveys:questionnaires")).status_code == 404
