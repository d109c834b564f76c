"""manage.py preflight [--migrated]: the database and Redis answer (and the schema is current), or a clear stop."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ...preflight import run_checks


class Command(BaseCommand):
    help = "Check that the database and Redis answer before a process starts; exit non-zero with the reason if not."
    # Django's own system checks run in `migrate` and `check`; this command is about the services.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--migrated",
            action="store_true",
            help="also require every migration of this release to be applied (web, worker and beat starts)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = run_checks(migrated=options["migrated"])
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(_("LotFlow cannot start: %(count)d problem(s) above.") % {"count": len(problems)})
        if options["verbosity"] >= 1:
            self.stdout.write(_("The database and Redis answer."))
