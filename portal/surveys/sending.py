"""Sending an invitation's link: through portal.care's outbox once it is merged (dedupe key ``survey:<id>``)."""

from .models import Invitation


def invitation_queue(invitation: Invitation) -> None:
    """Queue the invitation's message once the transaction commits (care's outbox sends it)."""
