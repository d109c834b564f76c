"""Sending an invitation's link: through portal.care's outbox, the one door every message to a customer goes
through (consent, quiet hours, the daily cap, the customer's language). The dedupe key ``survey:<id>`` means an
invitation is sent once, however often this runs."""

from portal.care.outbox import queue_message

from .links import link_for
from .models import Invitation, InvitationStatus


def invitation_queue(invitation: Invitation) -> bool:
    """Queue the ``survey_invitation`` message with the invitation's link; True when it is on its way (not
    suppressed: an opted-out customer, no phone or e-mail, the daily cap, or already queued)."""
    message = queue_message(
        invitation.customer,
        "survey_invitation",
        {"store_name": invitation.store.name, "survey_link": link_for(invitation)},
        dedupe_key=f"survey:{invitation.pk}",
    )
    if message is None or message.status != "queued":
        return False
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.CREATED).update(status=InvitationStatus.SENT)
    invitation.status = InvitationStatus.SENT
    return True
