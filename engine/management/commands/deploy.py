from typing import Any

from django.core.management.base import CommandError

from engine.api import deploy_paths
from engine.errors import DeploymentRefused
from engine.management.base import EngineCommand


class Command(EngineCommand):
    help = "Validate and deploy BPMN files (with their DMN and form files) as new versions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+")
        parser.add_argument("--user")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            deployed = deploy_paths(opts["files"], user=self.user(opts["user"], required=False))
        except DeploymentRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"nothing deployed: {len(refused.problems)} problem(s)", returncode=1) from None
        for item in deployed:
            self.stdout.write(f"{item.process_id} {item.version}" + (" (unchanged)" if item.unchanged else ""))
