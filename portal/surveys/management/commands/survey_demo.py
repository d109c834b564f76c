from typing import Any

from django.core.management.base import BaseCommand

from portal.surveys.demo import answer_invitations


class Command(BaseCommand):
    help = "Answer most of the demo's survey invitations, so the satisfaction report has figures (make demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"survey answers: {answer_invitations()}")
