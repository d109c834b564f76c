"""manage.py api_token USERNAME [--revoke]: issue a key for the REST API (printed once), or revoke them all."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ... import tokens


class Command(BaseCommand):
    help = "Issue an API key for a user (shown once, stored hashed), or revoke all of theirs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="delete every key of this user")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user is called %(username)s.") % {"username": options["username"]})
        if options["revoke"]:
            count = tokens.revoke_all(user.pk)
            self.stdout.write(_("%(count)s keys of %(username)s revoked.") % {"count": count, "username": user})
            return
        if not user.is_active:
            raise CommandError(_("%(username)s is inactive.") % {"username": user})
        self.stdout.write(tokens.issue(user))
