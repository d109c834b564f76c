"""Texts the sweeps and routing store for people to read later, in each reader's language.

A decision is stored as a message (a gettext id, marked with gettext_noop where
it is written, and its values) or as a rule file's text with its translations
(``Decision.text``), and shown with :func:`shown` when someone reads it; texts
stored before that as plain strings show as they were written.
"""

from typing import Any

from engine import api


def text(msgid: str, **params: Any) -> dict[str, Any]:
    """A message to store: shown in the reader's language (mark ``msgid`` with gettext_noop)."""
    return api.message(msgid, **params)


def english(spec: Any) -> str:
    """The text as written in the code and the rule file: what an item's stored title keeps,
    for searches and for readers that do not look at the translations."""
    return api.render_text(spec, spec if isinstance(spec, str) else "", "en")


def shown(spec: Any, language: str | None = None) -> str:
    """A stored text in ``language`` (default: the active one); a plain string as it is."""
    if isinstance(spec, str):
        return spec
    return api.render_text(spec, english(spec), language)


def shown_all(specs: list[Any], language: str | None = None) -> list[str]:
    return [shown(spec, language) for spec in specs or []]


def score_reasons(reasons: list[Any], language: str | None = None) -> list[tuple[int, str]]:
    """A prospect's stored ``[points, why]`` pairs, each why in ``language``."""
    return [(int(points), shown(why, language)) for points, why in reasons or []]
