"""CRM errors; each message names the record, the field or the states involved.

Field-level input problems are raised as Django's ``ValidationError`` (a dict of
field -> messages) so forms and the API show them beside the field.
"""


class CrmError(Exception):
    """Base class for refusals a person can act on."""


class IllegalTransition(CrmError):
    """A status move that is not declared from the record's current state."""


class Conflict(CrmError):
    """Someone else changed the same record first."""


class NotVisible(CrmError):
    """The record does not exist or is outside the user's scope (shown as 404)."""


class NotPermitted(CrmError):
    """The user sees the record but their roles do not allow this action."""
