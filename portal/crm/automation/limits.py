"""Limits the pool_reclaim rule file sets on taking prospects (numbers live in the file)."""

from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext

from ..models import ChangeRecord, Customer
from ..models.choices import Stage
from .routing import at_cap
from .rules import constants, now_or


def pool_take_refusal(user: Any, customer: Customer, *, now: datetime | None = None) -> str | None:
    """Why ``user`` may not take ``customer`` from the pool now, or None.

    A salesperson at the cap of ``max_prospects_per_salesperson`` may take no more;
    one who lost or released this prospect may not take it back for ``retake_after_days``.
    """
    if customer.stage != Stage.PROSPECT:
        return None
    capped = at_cap(user)
    if capped:
        return gettext("%(reason)s: release or close some before taking another") % {"reason": capped}
    days = int(constants("pool_reclaim")["retake_after_days"])
    since = now_or(now) - timedelta(days=days)
    lost = (
        ChangeRecord.objects.filter(
            entity="customer", entity_id=customer.pk, field="owner", old_value__startswith=f"{user.pk}:", at__gte=since
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if lost is not None:
        again = (lost + timedelta(days=days)).date().isoformat()
        return gettext("%(customer)s left %(username)s on %(date)s; they can take it back from %(again)s") % {
            "customer": customer.name,
            "username": user.get_username(),
            "date": lost.date().isoformat(),
            "again": again,
        }
    return None
