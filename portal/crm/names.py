"""Search keys for a person's name: the name itself, its pinyin and its initials.

"李伟" -> ("李伟", "liwei", "lw"); "Li Wei" -> ("liwei", "liwei", "lw"). Partial name
search is a prefix match on any of the three, which an ordinary index answers.
"""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    return lazy_pinyin(ch, style=Style.NORMAL)[0].lower()


def name_syllables(name: str) -> list[str]:
    """The pinyin of each Chinese character and each other word of ``name``, lower case:
    "刘超娟" -> ["liu", "chao", "juan"], "Anna Wang" -> ["anna", "wang"]."""
    syllables: list[str] = []
    for word in _SPACES.split(name.strip()):
        for part in re.findall(r"[\u3400-\u9fff]|[^\u3400-\u9fff]+", word):
            syllables.append(_syllable(part) if _HAN.fullmatch(part) else part.casefold())
    return [s for s in syllables if s]


def name_keys(name: str) -> tuple[str, str, str]:
    """(name key, pinyin, initials) for ``name``."""
    key = _SPACES.sub("", name).casefold()
    syllables = name_syllables(name)
    pinyin = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return key, pinyin, initials


def query_key(query: str) -> str:
    return _SPACES.sub("", query).casefold()
