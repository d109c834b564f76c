"""The customer page's care panel: the message log and consent, scoped like the customer."""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from ..consent import consent_of
from ..forms import ConsentForm
from ..models import Channel
from ..placeholders import KINDS
from ..selectors import messages_visible_to

register = template.Library()

REASONS = {
    "opted_out": _("The customer opted out of this channel."),
    "no_recipient": _("The customer has no phone or e-mail for this channel."),
    "daily_cap": _("The customer already got the day's maximum of messages."),
    "no_template": _("No template is written for this message."),
    "interrupted": _("Sending was interrupted; not sent again, so as not to send it twice."),
}


@register.inclusion_tag("care/_customer_panel.html", takes_context=True)
def care_panel(context: template.Context, customer: Any) -> dict[str, Any]:
    request = context.get("request")
    rows = [
        {
            "message": row,
            "kind": KINDS[row.template_key].label if row.template_key in KINDS else row.template_key,
            "reason": REASONS.get(row.reason, row.reason),
        }
        for row in messages_visible_to(getattr(request, "user", None)).filter(customer=customer)[:20]
    ]
    consent = consent_of(customer)
    return {
        "customer": customer,
        "open": context.get("open"),
        "csrf_token": context.get("csrf_token"),
        "care": {
            "messages": rows,
            "consent": [(value, label, consent[value]) for value, label in Channel.choices],
            "form": ConsentForm(),
        },
    }
