"""manage.py restore FILE: bring a backup back into an empty installation (database and stored files)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ...backup import BackupError, restore
from ...sealed import SealError


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive `manage.py backup` wrote")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        try:
            with source.open("rb") as handle:
                summary = restore(handle)
        except OSError as err:
            raise CommandError(_("%(file)s cannot be read: %(error)s") % {"file": source, "error": err}) from None
        except (BackupError, SealError) as err:
            raise CommandError(str(err)) from None
        self.stdout.write(
            _("Restored the %(database)s database and %(files)s files from %(file)s.")
            % {"database": summary.database, "files": summary.files, "file": source}
        )
