"""API keys kept hashed (issue 22): a key is 32 random bytes shown once; the database holds its SHA-256.

A random key of that length cannot be guessed from its digest, so a plain SHA-256 (no salt, no slow hash) is
enough, and it lets a request's key be found by one indexed lookup.
"""

import hashlib
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user: Any) -> str:
    """A new key for ``user``: returned once, stored only as its digest."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=digest(key), hint=key[-4:])
    return key


def revoke_all(user_id: int) -> int:
    return ApiToken.objects.filter(user_id=user_id).delete()[0]


class HashedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's TokenAuthentication reads it, checked against the digests."""

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 3600:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most one write an hour
        return token.user, token
