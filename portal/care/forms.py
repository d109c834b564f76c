from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import placeholders
from .models import Channel, MessageTemplate


class TemplateForm(forms.ModelForm):
    preview_customer = forms.IntegerField(
        label=_("Preview for customer number"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The customer's number (as in their page's address); their real name and store are used."),
    )

    class Meta:
        model = MessageTemplate
        fields = ["subject", "body"]
        labels = {
            "subject": pgettext_lazy("message template", "Subject (e-mail)"),
            "body": pgettext_lazy("message template", "Text"),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in ("subject", "body"):
            if field in data:
                try:
                    placeholders.check(self.instance.key, data[field], field=field)
                except forms.ValidationError as err:
                    for message in err.message_dict.get(field, []):
                        self.add_error(field, message)
        return data


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    allowed = forms.TypedChoiceField(
        label=_("Consent"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Agrees to receive messages")), ("0", _("Receives nothing (opted out)"))],
    )
    note = forms.CharField(label=_("How the customer said so"), max_length=200, required=False)
