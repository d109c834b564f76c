"""Errors the engine raises; each message says what was wrong and where."""

from dataclasses import dataclass

from django.utils.translation import gettext as _


class EngineError(Exception):
    """Base class. ``exit_code`` is what management commands exit with."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    file: str
    element: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.element}: {self.reason}"


class DeploymentRefused(EngineError):
    exit_code = 1

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class NotFound(EngineError):
    exit_code = 3


class NotDeployed(NotFound):
    """No version of the process is deployed: the request may be right, the install is not ready for it."""

    def __init__(self, process_id: str, message: str):
        self.process_id = process_id
        super().__init__(message)


class NotAllowed(EngineError):
    """The user may not do this (or may not see the item at all)."""

    exit_code = 4


class InvalidData(EngineError):
    """Submitted data does not fit the form; ``errors`` maps field path to messages."""

    exit_code = 5

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        lines = [
            _("%(field)s: %(problems)s") % {"field": field or _("(form)"), "problems": "; ".join(map(str, msgs))}
            for field, msgs in errors.items()
        ]
        super().__init__(_("invalid data: %(problems)s") % {"problems": " | ".join(lines)})


class Conflict(EngineError):
    """Someone else changed the same thing first (completed, claimed, cancelled)."""

    exit_code = 6


class InvalidState(EngineError):
    """The instance or item is not in a state that allows this."""

    exit_code = 7


class ScriptRefused(EngineError):
    """An expression or script uses something the restricted engine does not allow."""

    exit_code = 1


def describe_failure(err: BaseException) -> str:
    """One line for an incident: the error, what SpiffWorkflow noted, and the cause it wraps."""
    text = str(err).strip() or err.__class__.__name__
    cause = err.__cause__ or err.__context__
    if cause is not None and str(cause) not in text:
        text += f" ({cause.__class__.__name__}: {cause})"
    notes = getattr(err, "__notes__", None)
    if notes:
        text += " [" + "; ".join(notes) + "]"
    return text[:2000]
