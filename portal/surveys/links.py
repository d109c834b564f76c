"""The link a customer answers from: the invitation's id signed with a salt of its own (so no other signed
value of the site can pass for it), checked against the invitation's expiry and whether it was answered.

Nothing secret is stored: the signature is the secret, and ``SECRET_KEY`` signs it. A link is refused, with a
reason the page explains, when it was altered (``LinkTampered``), when its invitation expired
(``LinkExpired``) or when it was already answered (``LinkUsed``).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from engine import api

from .models import Invitation

SALT = "lotflow.surveys.invitation"


class LinkRefused(Exception):
    reason = ""


class LinkTampered(LinkRefused):
    reason = "tampered"


class LinkExpired(LinkRefused):
    reason = "expired"


class LinkUsed(LinkRefused):
    reason = "used"


def token_for(invitation: Invitation) -> str:
    return signing.Signer(salt=SALT).sign(str(invitation.pk))


def link_for(invitation: Invitation) -> str:
    """The full address the customer opens (``settings.LOTFLOW_PUBLIC_URL`` + the survey's path)."""
    path = reverse("surveys:answer", args=[token_for(invitation)])
    return settings.LOTFLOW_PUBLIC_URL.rstrip("/") + path


def invitation_for(token: str, *, any_state: bool = False) -> Invitation:
    """The invitation a token names, if it may still be answered (``any_state``: whatever its state)."""
    try:
        value = signing.Signer(salt=SALT).unsign(token[:200])
    except signing.BadSignature:
        raise LinkTampered(token) from None
    invitation = (
        Invitation.objects.select_related("questionnaire", "customer", "store").filter(pk=int(value)).first()
        if value.isdigit() and len(value) <= 18
        else None
    )
    if invitation is None:
        raise LinkTampered(token)  # signed by us, but its invitation is gone: the same page
    if any_state:
        return invitation
    if hasattr(invitation, "response"):
        raise LinkUsed(token)
    if invitation.expires_at <= api.now():
        raise LinkExpired(token)
    return invitation
