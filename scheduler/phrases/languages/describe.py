"""A schedule's description in the language its phrase was written in.

The English descriptions come from a small, fixed set of templates (``scheduler/wording/``,
calendar.py and schedule.py), so each language module lists how their fragments read in it
(``DESCRIBE``: longest first); the zone name and the numbers stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from ..schedule import Schedule
from . import Language
from .natural import rewrite


@lru_cache(maxsize=16)
def _pattern(pairs: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    table = dict(pairs)
    keys = sorted(table, key=len, reverse=True)
    alternation = "|".join(re.escape(k) for k in keys)
    return re.compile(rf"(?<![\w/])(?:{alternation})(?![\w/])"), table


def translate(text: str, lang: Language) -> str:
    """``text`` (an English description or note) with ``lang``'s wording for its fragments."""
    if not lang.describe:
        return text
    if lang.natural:
        text = rewrite(text, lang.natural)
    pattern, table = _pattern(lang.describe)
    return pattern.sub(lambda m: table[m.group(0)], text)


def localize(schedule: Schedule, lang: Language) -> Schedule:
    """``schedule`` described in ``lang`` (``lang`` recorded on it)."""
    return replace(schedule, description=translate(schedule.description, lang), lang=lang.code)
