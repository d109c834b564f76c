"""The questionnaire as a form (the customer's page and the staff's page alike), built from its questions."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, Question, Questionnaire

TEXT_MAX = 2000


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def _field(question: Question) -> forms.Field:
    common: dict[str, Any] = {"label": question.text, "required": question.required}
    if question.scale is not None:
        low, high = question.scale
        return forms.TypedChoiceField(
            choices=[(n, str(n)) for n in range(low, high + 1)],
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "scale"}),
            error_messages={"required": _("Please choose a score.")},
            **common,
        )
    if question.kind == Kind.SINGLE:
        return forms.TypedChoiceField(
            choices=list(enumerate(question.choice_labels())),
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={"required": _("Please choose one.")},
            **common,
        )
    if question.kind == Kind.MULTIPLE:
        return forms.TypedMultipleChoiceField(
            choices=list(enumerate(question.choice_labels())),
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("Please choose at least one.")},
            **common,
        )
    return forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write a few words.")},
        **common,
    )


class SurveyForm(forms.Form):
    def __init__(self, questionnaire: Questionnaire, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questionnaire.questions.all())
        for question in self.questions:
            field = _field(question)
            field.question = question  # type: ignore[attr-defined]
            self.fields[field_name(question)] = field

    def answers(self) -> dict[int, Any]:
        """question id -> the cleaned value (an int, a list of ints, a text; None or "" when skipped)."""
        return {q.pk: self.cleaned_data.get(field_name(q)) for q in self.questions}
