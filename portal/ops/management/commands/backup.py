"""manage.py backup FILE: the database and the stored files, sealed with LOTFLOW_BACKUP_KEY, while LotFlow runs."""

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ...backup import BackupError, backup
from ...sealed import SealError, new_key


class Command(BaseCommand):
    help = "Write one encrypted archive of the database and the stored files (online)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="where to write the archive (it must not exist)")
        parser.add_argument("--new-key", action="store_true", help="print a new LOTFLOW_BACKUP_KEY and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        if not options["file"]:
            raise CommandError(_("Name the file to write the backup to."))
        target = Path(options["file"])
        if target.exists():
            raise CommandError(_("%(file)s exists; a backup never overwrites a file.") % {"file": target})
        partial = target.with_name(target.name + ".partial")
        try:
            with partial.open("xb") as out:
                os.chmod(partial, 0o600)
                summary = backup(out)
            partial.rename(target)
        except (BackupError, SealError) as err:
            partial.unlink(missing_ok=True)
            raise CommandError(str(err)) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            _("%(file)s: the %(database)s database and %(files)s files (%(mb)s MB before encryption).")
            % {
                "file": target,
                "database": summary.database,
                "files": summary.files,
                "mb": round(summary.bytes / 2**20, 1),
            }
        )
        sys.stdout.flush()
