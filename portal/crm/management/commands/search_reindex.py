from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from portal.crm.search import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the customer search index (names, pinyin, brands, models, plates, last four digits)."

    def handle(self, *args: Any, **opts: Any) -> None:
        with transaction.atomic():
            count = search_rebuild()
        self.stdout.write(_("Search index rebuilt for %(count)d customers.") % {"count": count})
