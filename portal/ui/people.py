"""How a colleague is named on a page, and how sentences follow one another."""

import unicodedata
from typing import Any

from django.utils.translation import get_language


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH") for char in text)


def display_name(user: Any) -> str:
    """王建华 for a Chinese name (family name first, no space), "Wei Li" for a Latin one, the login when
    no name is recorded. Django's ``first_name`` is the given name and ``last_name`` the family name."""
    if user is None:
        return ""
    given, family = user.first_name.strip(), user.last_name.strip()
    if _is_cjk(given + family):
        return family + given
    return " ".join(part for part in (given, family) if part) or user.get_username()


def sentence_gap() -> str:
    """What stands between two sentences in the active language: a space in English, nothing in Chinese,
    whose full stop (。) already ends the sentence."""
    return "" if (get_language() or "").startswith("zh") else " "
