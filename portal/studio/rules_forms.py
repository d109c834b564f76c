"""The rule studio's forms: a text is refused by its size before anything parses it."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engine import api


def text_size_problem(text: str) -> str | None:
    size = len(text.encode("utf-8"))
    if size > api.RULES_MAX_TEXT_BYTES:
        return _("The rule file is %(size)s KB; at most %(limit)s KB is accepted. Nothing was checked or saved.") % {
            "size": size // 1000,
            "limit": api.RULES_MAX_TEXT_BYTES // 1000,
        }
    return None


class RuleTextField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strip=False, widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}), **kwargs)

    def clean(self, value: Any) -> Any:
        if isinstance(value, str):
            problem = text_size_problem(value)
            if problem:
                raise forms.ValidationError(problem, code="too_large")
        return super().clean(value)


class RuleSaveForm(forms.Form):
    text = RuleTextField(label=gettext_lazy("Rule file"))
    comment = forms.CharField(
        label=gettext_lazy("What is this change for?"),
        max_length=500,
        error_messages={"required": gettext_lazy("Say what the change is for: the comment is required.")},
    )
    base_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    accept = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])

    def __init__(self, *args: Any, cases: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accept = self.fields["accept"]
        assert isinstance(accept, forms.TypedMultipleChoiceField)
        accept.choices = [(i, str(i)) for i in range(cases)]


class RollbackForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    comment = forms.CharField(
        label=gettext_lazy("Why roll back?"),
        max_length=500,
        error_messages={"required": gettext_lazy("Say why you roll back: the comment is required.")},
    )


class DryRunForm(forms.Form):
    text = RuleTextField()
    facts = forms.CharField(required=False, strip=True)
    reference = forms.CharField(required=False, max_length=20)

    def clean_facts(self) -> Any:
        raw = self.cleaned_data["facts"]
        if not raw:
            return None
        if len(raw) > 100_000:
            raise forms.ValidationError(_("The facts are too long: at most 100 KB."))
        try:
            facts = json.loads(raw)
        except json.JSONDecodeError as err:
            raise forms.ValidationError(
                _("The facts are not valid JSON: %(reason)s at line %(line)s, column %(column)s.")
                % {"reason": err.msg, "line": err.lineno, "column": err.colno}
            ) from err
        if not isinstance(facts, dict | list):
            raise forms.ValidationError(_("Give one fact as a JSON object, or a list of them."))
        return facts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("facts") is None and not data.get("reference") and not self.errors:
            raise forms.ValidationError(_("Type a fact or pick a record to try the rules on."))
        return data
