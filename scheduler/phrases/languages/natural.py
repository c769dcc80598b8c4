"""Native word order for the common shapes of a description, before its remaining fragments are
swapped one by one (``describe.translate``).

The English descriptions come from fixed templates, so a handful of shapes cover most schedules
people set: "every Monday and Friday", "every 15 minutes", "every other Tuesday", "3 October",
"Thu 11 Jun 2026", "the 1st", "the first Monday". Each language module gives the words and
patterns (``NATURAL``); the shapes are rewritten here with the language's order and agreement
("todos los lunes y viernes", "alle 15 Minuten", "un mardi sur deux", "am 3. Oktober",
"na primeira segunda-feira").
"""

from __future__ import annotations

import re
from typing import Any

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "last")
_DAY = "|".join(_DAYS)
_MONTH = "|".join(_MONTHS)
_SHORT_MONTH = "|".join(m[:3] for m in _MONTHS)
_SHORT_DAY = "|".join(d[:3] for d in _DAYS)
_DAY_LIST = rf"((?:{_DAY})(?:(?:, | and )(?:{_DAY}))*)"


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _days_of(text: str) -> list[int]:
    return [_DAYS.index(d) for d in re.findall(_DAY, text)]


def rewrite(text: str, nat: dict[str, Any]) -> str:
    """``text`` (an English description) with the common shapes in the language of ``nat``."""
    and_word = nat["and"]

    def every_days(m: re.Match[str]) -> str:
        days = _days_of(m.group(1))
        return nat["every_days"](days, and_word)

    def every_other(m: re.Match[str]) -> str:
        return nat["every_other_day_of_week"](_days_of(m.group(1))[0])

    def every_n(m: re.Match[str]) -> str:
        return nat["every_n"].format(n=m.group(1), unit=nat["units"][m.group(2)])

    def date(m: re.Match[str]) -> str:
        day, month = int(m.group(2)), _MONTHS.index(m.group(3))
        text = nat["date"](day, nat["months"][month])
        return (nat["on_date"].format(date=text) if m.group(1) else text)

    def short_date(m: re.Match[str]) -> str:
        weekday = _SHORT_DAY.split("|").index(m.group(1))
        month = _SHORT_MONTH.split("|").index(m.group(3))
        return nat["full_date"](nat["short_days"][weekday], int(m.group(2)), nat["months"][month], m.group(4))

    def nth_weekday(m: re.Match[str]) -> str:
        return nat["nth_weekday"](_ORDINAL_WORDS.index(m.group(1)), _DAYS.index(m.group(2)))

    def month_list(m: re.Match[str]) -> str:
        return _join([nat["months"][_MONTHS.index(x)] for x in re.findall(_MONTH, m.group(0))], and_word)

    text = re.sub(rf"\bevery {_DAY_LIST}\b", every_days, text)
    text = re.sub(r"(?<!of )\bevery (year|week|month)\b",
                  lambda m: nat["every_unit"].get(m.group(1), m.group(0)), text)
    text = re.sub(rf"\bevery other ({_DAY})\b", every_other, text)
    text = re.sub(r"\bevery (\d+(?:\.\d+)?) (seconds|minutes|hours|days|weeks|months|years)\b", every_n, text)
    text = re.sub(rf"\b(on )?(\d{{1,2}}) ({_MONTH})\b", date, text)
    text = re.sub(rf"\b({_SHORT_DAY}) (\d{{1,2}}) ({_SHORT_MONTH}) (\d{{4}})\b", short_date, text)
    text = re.sub(rf"\bon the ({'|'.join(_ORDINAL_WORDS)}) ({_DAY})\b", nth_weekday, text)
    text = re.sub(rf"\b(?:{_MONTH})(?:(?:, | and )(?:{_MONTH}))*\b", month_list, text)
    if "on_monthday" in nat:  # pt "no dia 10"
        text = re.sub(r"\bon the (\d{1,2})(?:st|nd|rd|th)\b", lambda m: nat["on_monthday"].format(n=m.group(1)), text)
    return re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", lambda m: nat["ordinal"](int(m.group(1))), text)
