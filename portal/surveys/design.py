"""Admins and hq design questionnaires: a list, and one page that edits a questionnaire with its questions.

Saving a questionnaire nobody answered changes it in place; saving one that has answers (frozen) makes the
next version with the same key, and the old version keeps its questions for the answers it has. The saved
version is the one in use for its reason (the others of that reason are switched off) when "in use" is ticked.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.crm.models import Role
from portal.crm.scopes import scope_of

from .models import Kind, Question, Questionnaire, Topic


def may_design(user: Any) -> bool:
    scope = scope_of(user)
    return scope.everything or scope.holds(Role.ADMIN, Role.HQ)


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["key", "reason", "title_zh", "title_en", "intro_zh", "intro_en", "active"]


class QuestionForm(forms.Form):
    position = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=999)
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Topic.choices)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    text_zh = forms.CharField(label=gettext_lazy("Question (Chinese)"), max_length=300)
    text_en = forms.CharField(label=gettext_lazy("Question (English)"), max_length=300, required=False)
    choices = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One a line: Chinese | English. Only for choice questions."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
        parsed = []
        for line in lines:
            zh, _sep, en = line.partition("|")
            parsed.append({"zh": zh.strip(), "en": en.strip()})
        if data.get("kind") in (Kind.SINGLE, Kind.MULTIPLE) and len(parsed) < 2:
            self.add_error("choices", _("A choice question needs at least two choices, one a line."))
        if data.get("kind") not in (Kind.SINGLE, Kind.MULTIPLE):
            parsed = []
        data["parsed_choices"] = parsed
        return data


QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, can_delete=True, max_num=60, validate_max=True)


def _initial(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    return [
        {
            "position": q.position,
            "topic": q.topic,
            "kind": q.kind,
            "required": q.required,
            "text_zh": q.text_zh,
            "text_en": q.text_en,
            "choices": "\n".join(f"{c.get('zh', '')} | {c.get('en', '')}" for c in q.choices),
        }
        for q in questionnaire.questions.all()
    ]


@transaction.atomic
def questionnaire_save(
    *, questionnaire: Questionnaire | None, fields: dict[str, Any], questions: list[dict[str, Any]], by: Any
) -> Questionnaire:
    """Save in place, or as the next version when ``questionnaire`` is frozen (has answers); returns the saved."""
    if questionnaire is not None:
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire is None or questionnaire.frozen:
        top = Questionnaire.objects.filter(key=fields["key"]).aggregate(top=Max("version"))["top"] or 0
        saved = Questionnaire.objects.create(**fields, version=top + 1, created_by=by)
    else:
        saved = questionnaire
        for name, value in fields.items():
            setattr(saved, name, value)
        saved.save()
        saved.questions.all().delete()
    Question.objects.bulk_create(
        Question(
            questionnaire=saved,
            position=q["position"],
            topic=q["topic"],
            kind=q["kind"],
            required=q["required"],
            text_zh=q["text_zh"],
            text_en=q["text_en"],
            choices=q["parsed_choices"],
        )
        for q in sorted(questions, key=lambda q: q["position"])
    )
    if saved.active:
        Questionnaire.objects.filter(reason=saved.reason, active=True).exclude(pk=saved.pk).update(active=False)
    return saved


def _designer(request: HttpRequest) -> None:
    if not may_design(request.user):
        raise Http404(_("Admins and hq design questionnaires."))


@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    _designer(request)
    rows = Questionnaire.objects.annotate(answers=Count("responses")).order_by("reason", "key", "-version")
    return render(request, "surveys/questionnaire_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _designer(request)
    current = get_object_or_404(Questionnaire, pk=pk) if pk is not None else None
    form = QuestionnaireForm(request.POST or None, instance=current)
    if current is not None and current.frozen:
        # Saved as the next version under the same key: the form checks (key, version) against a version 0
        # nobody holds, and leaves the answered version untouched.
        form.instance = Questionnaire(version=0)
    formset = QuestionFormSet(request.POST or None, initial=_initial(current) if current else None, prefix="q")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            messages.error(request, _("A questionnaire needs at least one question."))
        else:
            fields = {name: form.cleaned_data[name] for name in QuestionnaireForm.Meta.fields}
            saved = questionnaire_save(questionnaire=current, fields=fields, questions=kept, by=request.user)
            if current is not None and saved.pk != current.pk:
                messages.success(
                    request,
                    _("It had answers, so it was saved as version %(version)s; the answers keep their questions.")
                    % {"version": saved.version},
                )
            else:
                messages.success(request, _("Questionnaire saved."))
            return redirect("surveys:questionnaire_edit", saved.pk)
    context = {"form": form, "formset": formset, "current": current}
    return render(request, "surveys/questionnaire_edit.html", context, status=400 if request.method == "POST" else 200)
