"""Recount the reports' daily figures from the records (after a bulk load or writes around the models)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.reports.daily import rebuild
from portal.reports.window import parse_day


class Command(BaseCommand):
    help = (
        "Recount the reports' kept figures (communications per day, store and author; customers each "
        "salesperson worked per month) from the records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", help="first day (2026-01-01); default: the beginning")
        parser.add_argument("--to", dest="last", help="last day; default: today")

    def handle(self, *args: Any, **options: Any) -> None:
        written = rebuild(parse_day(options["first"], "--from"), parse_day(options["last"], "--to"))
        self.stdout.write(f"{written} daily figures written")
