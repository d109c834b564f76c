"""manage.py rotate_data_key: everything sealed or keyed-hashed moved to the first key of LOTFLOW_DATA_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.crm import crypto
from portal.crm.services.data_keys import data_key_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every sealed value and scan and recompute every keyed hash under the first (current) key of "
        "LOTFLOW_DATA_KEYS, in batches. Safe to interrupt and to run again; when it says done, the other keys may "
        "be removed from LOTFLOW_DATA_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = crypto.ring()
        old = ", ".join(key.kid for key in keys[1:])
        try:
            report = data_key_rotate(progress=self._progress)
        except crypto.DataKeyError as error:
            raise CommandError(
                _("A value could not be read: %(error)s. Nothing after the last batch reported was changed.")
                % {"error": error}
            ) from None
        if not report.done:
            raise CommandError(
                _(
                    "%(count)d rows or files are still under another key (changed while this ran?): run "
                    "rotate_data_key again before removing any key."
                )
                % {"count": report.left}
            )
        self.stdout.write(
            _("Done: every personal value, keyed hash and scan is under key %(key)s.") % {"key": report.key}
        )
        if old:
            self.stdout.write(
                _("Key(s) %(old)s may now be removed from LOTFLOW_DATA_KEYS (keep them as long as older backups).")
                % {"old": old}
            )

    def _progress(self, what: str, count: int) -> None:
        if count:
            self.stdout.write(_("%(what)s: %(count)d rewritten") % {"what": what, "count": count})
