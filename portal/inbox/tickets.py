"""Tickets: proof, carried in a form, that the page showed this item to this user.

When an action on an item fails because the item is no longer visible to the
user (a colleague completed or took it meanwhile), the engine answers "not
found", as it must for ids a user never saw. A valid ticket tells us the user
did see the item, so the page may say what happened to it instead of a bare 404.
"""

from typing import Any

from django.core import signing

SALT = "lotflow.inbox.item"
MAX_AGE_SECONDS = 7 * 24 * 60 * 60


def issue(user: Any, item_id: int) -> str:
    return signing.dumps([user.pk, item_id], salt=SALT, compress=False)


def is_valid(ticket: str | None, user: Any, item_id: int) -> bool:
    if not ticket:
        return False
    try:
        held = signing.loads(ticket, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return held == [user.pk, item_id]
