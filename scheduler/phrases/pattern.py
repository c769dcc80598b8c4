"""The shape of a repetition as read from a phrase (:class:`Recur`), and weekday lists
("mon, tues, wed, and fri", "saturday thru tuesday", "weekends") shared by the matchers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import lexicon
from .dates import weekday_at
from .tokens import Stream

WEEKDAYS_MF = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
GROUP_DAYS = {
    "weekday": WEEKDAYS_MF, "weekdays": WEEKDAYS_MF, "workday": WEEKDAYS_MF,
    "workdays": WEEKDAYS_MF, "weekend": WEEKEND, "weekends": WEEKEND, "week-end": WEEKEND,
    "weeknight": WEEKDAYS_MF, "weeknights": WEEKDAYS_MF,
}  # fmt: skip


@dataclass
class Recur:
    unit: str | None = None  # second|minute|hour|day|week|month|year
    interval: int = 1
    step_seconds: float | None = None  # sub-daily steps ("every 90 seconds", "every 1.5 hours")
    weekdays: set[int] = field(default_factory=set)
    nth: list[tuple[int, int]] = field(default_factory=list)  # (n, weekday)
    monthdays: list[int] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    dates: list[tuple[int, int]] = field(default_factory=list)  # (month, day)
    yeardays: list[int] = field(default_factory=list)
    weeknos: list[int] = field(default_factory=list)
    setpos: list[int] = field(default_factory=list)
    period: str | None = None
    per_unit: int | None = None  # "twice a day" -> 2
    quarter: bool = False  # positions in calendar quarters ("last business day of the quarter")
    holidays: str | None = None  # "except public holidays [in Germany]": a calendar code or "" (the zone's)
    weak: bool = False
    text: str = ""


def list_sep(s: Stream, k: int) -> int:
    """Index after a list separator (',', 'and', ', and', '&', '/', 'or', '+'), else ``k``."""
    j = k
    if s.is_punct(j, ",", "&", "/", "+"):
        j += 1
    if s.is_word(j, "and", "or", "&"):
        j += 1
    return j


def weekday_list(s: Stream, i: int) -> tuple[list[int], int] | None:
    """'monday', 'mon, tues, wed, and fri', 'mon-wed', 'saturdays through tuesdays', 'weekends'."""
    days: list[int] = []
    j = i
    end = i
    while True:
        w = s.word(j)
        if w in GROUP_DAYS:
            days.extend(GROUP_DAYS[w])
            end = j + 1
        else:
            got = weekday_at(s, j) if j == i else _list_weekday(s, j)
            if got is None:
                break
            first, k = got
            k2 = k
            if s.is_punct(k2, "-") or s.is_word(k2, "to", "thru", "through", "till", "until"):
                last = _list_weekday(s, k2 + 1)
                if last is not None:
                    span = (last[0] - first) % 7
                    days.extend((first + n) % 7 for n in range(span + 1))
                    end = last[1]
                    j = list_sep(s, end)
                    if j == end:
                        break
                    continue
            days.append(first)
            end = k
        j = list_sep(s, end)
        if j == end:
            break
    if not days:
        return None
    return list(dict.fromkeys(days)), end


def _list_weekday(s: Stream, j: int) -> tuple[int, int] | None:
    w = s.word(j)
    if w in lexicon.WEEKDAYS:
        return lexicon.WEEKDAYS[w], s.skip_dot(j + 1)
    return None
