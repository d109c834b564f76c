"""manage.py second_factor_reset USERNAME: an admin who lost their phone sets up their app again.

For when no other admin can sign in to reset it on the page (portal/second_factor.py); logged as done by manage.py.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from portal.second_factor import admins, second_factor_reset


class Command(BaseCommand):
    help = "Remove an admin's authenticator devices (a lost phone): they set up a new one at their next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = admins().filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No admin or superuser is called %(username)s.") % {"username": options["username"]})
        count = second_factor_reset(user=user, by=None)
        self.stdout.write(
            _(
                "Reset the second factor of %(username)s (%(count)s devices removed); they set up their app at "
                "their next sign-in."
            )
            % {"username": user.get_username(), "count": count}
        )
