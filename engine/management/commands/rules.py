import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from engine.management.base import EngineCommand
from engine.rules import versions
from engine.rules.versions import RulesRefused


class Command(EngineCommand):
    help = "Check, save, dry-run, list and export rule sets (rule files under rules/)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate rule files (default: every rule set in force)")
        check.add_argument("files", nargs="*")
        save = sub.add_parser("save", help="validate a rule file and put it in force as a new version")
        save.add_argument("file")
        save.add_argument("--user", required=True)
        save.add_argument("--comment", required=True)
        dryrun = sub.add_parser("dryrun", help="what a rule set would decide for facts; changes nothing")
        dryrun.add_argument("ruleset", help="a rule set name, or a .rules file to try before saving")
        given = dryrun.add_mutually_exclusive_group(required=True)
        given.add_argument("--facts", help="a JSON object or list of objects")
        given.add_argument("--of", help="a real record: a customer id, a store id, ... (what the rule set reads)")
        history = sub.add_parser("history", help="saved versions of a rule set, newest first")
        history.add_argument("ruleset")
        history.add_argument("--diff", action="store_true")
        export = sub.add_parser("export", help="write every rule set in force to a folder")
        export.add_argument("directory")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"_{opts['action']}")(opts)

    def _refused(self, refused: RulesRefused) -> CommandError:
        for problem in refused.problems:
            self.stderr.write(str(problem))
        return CommandError(f"refused: {len(refused.problems)} problem(s); nothing changed", returncode=1)

    def _read(self, file: str) -> str:
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise CommandError(f"{file}: cannot read: {err}", returncode=1) from err

    def _check(self, opts: dict) -> None:
        try:
            if opts["files"]:
                for file in opts["files"]:
                    versions.check_text(self._read(file), file)
                    self.stdout.write(f"{file}: ok")
            else:
                for name in versions.shipped():
                    versions.in_force(name)
                    self.stdout.write(f"{name}: ok")
        except RulesRefused as refused:
            raise self._refused(refused) from None

    def _save(self, opts: dict) -> None:
        try:
            saved = versions.save(
                self._read(opts["file"]), user=self.user(opts["user"]), comment=opts["comment"], file=opts["file"]
            )
        except RulesRefused as refused:
            raise self._refused(refused) from None
        self.stdout.write(f"{saved.name} {saved.version}")

    def _dryrun(self, opts: dict) -> None:
        if opts["of"]:
            facts = versions.facts_of(opts["ruleset"], opts["of"])
            self.stdout.write(f"facts: {json.dumps(facts, ensure_ascii=False, default=str)}")
        else:
            facts = self._facts(opts["facts"])
        try:
            if opts["ruleset"].endswith(".rules"):
                decisions = versions.dry_run(text=self._read(opts["ruleset"]), facts=facts)
            else:
                decisions = versions.dry_run(name=opts["ruleset"], facts=facts)
        except RulesRefused as refused:
            raise self._refused(refused) from None
        self.print_json([d.as_dict() for d in decisions])

    def _facts(self, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise CommandError(f"--facts is not valid JSON: {err.msg} at column {err.colno}", returncode=1) from err

    def _history(self, opts: dict) -> None:
        rows = versions.history(opts["ruleset"])
        if not rows:
            self.stdout.write(f"{opts['ruleset']}: no saved versions (the shipped file is in force)")
        for row in rows:
            self.stdout.write(f"v{row['version']}  {row['saved_at']}  {row['author'] or '-'}  {row['comment']}")
            if opts["diff"]:
                self.stdout.write(row["diff"])

    def _export(self, opts: dict) -> None:
        for path in versions.export(Path(opts["directory"])):
            self.stdout.write(str(path))
