"""Named days: "today", "tomorrow", "next Friday", "friday after next", "this weekend",
"end of month", "mid January", "christmas", "Thursday, February 18th" - and :func:`match_day`,
the longest day expression at a position.
"""

from __future__ import annotations

from . import lexicon
from .dates import (
    DATE_CONTEXT,
    day_number,
    match_month_day,
    match_monthday,
    match_nth_weekday,
    match_numeric,
    match_yearday,
    month_at,
    weekday_at,
    year_at,
)
from .days import DaySpec
from .tokens import Stream


def _day_follows(s: Stream, j: int) -> bool:
    t = s.tok(j)
    return t is not None and (t.kind == "num" or s.ordinal(j) is not None)


_TOMORROW = ("tomorrow", "tomorrows", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow")
__all__ = ["DATE_CONTEXT", "match_day", "match_holiday"]


def match_holiday(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    j = s.skip(i, "this", "next", "on", "the")
    for n in (4, 3, 2, 1):
        words = [s.word(k) for k in range(j, j + n)]
        if None in words:
            continue
        phrase = " ".join(words)  # type: ignore[arg-type]
        end = j + n
        year = year_at(s, end)
        y = year[0] if year else None
        end = year[1] if year else end
        if phrase in lexicon.FIXED_HOLIDAYS:
            m, d = lexicon.FIXED_HOLIDAYS[phrase]
            return DaySpec("date", year=y, month=m, day=d, text=s.span(i, end)), end
        if phrase in lexicon.NTH_HOLIDAYS:
            m, nth, wd = lexicon.NTH_HOLIDAYS[phrase]
            return DaySpec("nth", nth=nth, weekday=wd, month=m, year=y, text=s.span(i, end)), end
        if phrase in ("easter", "easter sunday"):
            return DaySpec("easter", year=y, text=s.span(i, end)), end
    return None


def match_relative_day(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """today, tomorrow, the day after tomorrow, next week/month/year, this weekend, end of month."""
    j = s.skip(i, "the")
    w = s.word(j)
    if w == "today" or (w == "tod" and j == i):
        return DaySpec("offset", 0, text="today"), j + 1
    if w in _TOMORROW:
        return DaySpec("offset", 1, text="tomorrow"), j + 1
    if w == "overmorrow":
        return DaySpec("offset", 2, text="the day after tomorrow"), j + 1
    if w == "yesterday":
        return DaySpec("offset", -1, text="yesterday"), j + 1
    if w == "day" and s.is_word(j + 1, "after") and s.word(j + 2) in _TOMORROW:
        return DaySpec("offset", 2, text="the day after tomorrow"), j + 3
    if w == "day" and s.is_word(j + 1, "before") and s.is_word(j + 2, "yesterday"):
        return DaySpec("offset", -2, text="the day before yesterday"), j + 3
    if w in ("next", "this", "coming") and j == i:
        unit = s.word(j + 1)
        offset = 1 if w == "next" else 0
        if unit == "week" and w == "next":
            return DaySpec("week", 1, text="next week"), j + 2
        if unit == "month" and w == "next":
            return DaySpec("month_start", 1, text="next month"), j + 2
        if unit == "year" and w == "next":
            return DaySpec("year_start", 1, text="next year"), j + 2
        if unit in ("weekend", "week-end"):
            return DaySpec(
                "weekend", mode="next" if offset else "coming", text=f"{w} weekend"
            ), j + 2
    if w == "weekend" and j > i:
        return DaySpec("weekend", text="the weekend"), j + 1
    if w in ("end", "beginning", "start") and s.is_word(j + 1, "of"):
        k = s.skip(j + 2, "the", "this")
        kind = "month_end" if w == "end" else "month_start"
        if s.is_word(k, "month"):
            return DaySpec(kind, 0, text=f"{w} of the month"), k + 1
        if s.is_word(k, "next") and s.is_word(k + 1, "month"):
            return DaySpec(kind, 1, text=f"{w} of next month"), k + 2
        if w == "end" and s.is_word(k, "year"):
            return DaySpec("date", month=12, day=31, text="end of the year"), k + 1
        mon = month_at(s, k)
        if mon is not None:
            return DaySpec(
                kind, month=mon[0], text=f"{w} of {lexicon.MONTH_NAMES[mon[0] - 1]}"
            ), mon[1]
    if w in ("eom", "eoy") and j == i:
        if w == "eom":
            return DaySpec("month_end", 0, text="end of month"), j + 1
        return DaySpec("date", month=12, day=31, text="end of the year"), j + 1
    mon = month_at(s, j + 1) if w in ("next", "in", "early") and j == i else None
    if mon is not None and not _day_follows(s, mon[1]):
        name = lexicon.MONTH_NAMES[mon[0] - 1]
        year = year_at(s, mon[1])
        end = year[1] if year else mon[1]
        spec = DaySpec(
            "month_start", month=mon[0], year=year[0] if year else None, text=f"{w} {name}"
        )
        return spec, end
    if w == "mid" and j == i:
        k = j + 2 if s.is_punct(j + 1, "-") else j + 1
        mon = month_at(s, k)
        if mon is not None:
            return DaySpec(
                "month_start", month=mon[0], day=15, text=f"mid {lexicon.MONTH_NAMES[mon[0] - 1]}"
            ), mon[1]
    return None


def match_weekday_ref(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """'friday', 'this sunday', 'next tuesday', 'friday after next', 'wednesday of next week'."""
    w = s.word(i)
    mode, j = "coming", i
    if w in ("this", "coming", "upcoming"):
        j += 1
    elif w in ("next", "following"):
        mode, j = "next", i + 1
    elif w in ("last", "past", "previous"):
        mode, j = "last", i + 1
    wd = weekday_at(s, j)
    if wd is None:
        return None
    weekday, end = wd
    if s.word(j) in lexicon.PLURAL_WEEKDAYS:
        return None
    if mode == "coming" and s.is_word(end, "after") and s.is_word(end + 1, "next"):
        mode, end = "after_next", end + 2
    elif mode == "coming":
        k = s.skip(end, "of", "on")
        if s.is_word(k, "next") and s.is_word(k + 1, "week"):
            mode, end = "next", k + 2
        elif s.is_word(k, "this") and s.is_word(k + 1, "week"):
            mode, end = "this_week", k + 2
    return DaySpec("weekday", weekday=weekday, mode=mode, text=s.span(i, end)), end


def match_dated_weekday(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """A weekday with its date: 'Thursday, February 18th', 'Tuesday the 19th', 'Fri, Jul 18'."""
    wd = weekday_at(s, i)
    if wd is None:
        return None
    weekday, j = wd
    j = j + 1 if s.is_punct(j, ",") else j
    got = match_month_day(s, j) or match_numeric(s, j)
    if got is not None:
        spec, end = got
        return DaySpec("date", year=spec.year, month=spec.month, day=spec.day, weekday=weekday,
                       text=s.span(i, end)), end  # fmt: skip
    k = s.skip(j, "the")
    dn = day_number(s, k, words=False)
    if dn is not None and dn[2] and 1 <= dn[0] <= 31:
        return DaySpec("monthday", day=dn[0], weekday=weekday, text=s.span(i, dn[1])), dn[1]
    return None


def match_date_weekday(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """A date followed by its weekday: 'Jul 18, Fri'."""
    got = match_month_day(s, i) or match_numeric(s, i)
    if got is None:
        return None
    spec, j = got
    k = j + 1 if s.is_punct(j, ",") else j
    wd = weekday_at(s, k)
    if wd is None or (s.is_word(wd[1], "at") and False):
        return None
    return DaySpec("date", year=spec.year, month=spec.month, day=spec.day, weekday=wd[0],
                   text=s.span(i, wd[1])), wd[1]  # fmt: skip


DAY_MATCHERS = (
    match_relative_day, match_holiday, match_dated_weekday, match_date_weekday, match_nth_weekday,
    match_numeric,
    match_month_day, match_yearday, match_monthday, match_weekday_ref,
)  # fmt: skip


def match_day(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """The longest day expression at ``i``."""
    best: tuple[DaySpec, int] | None = None
    for matcher in DAY_MATCHERS:
        got = matcher(s, i)
        if got is not None and (best is None or got[1] > best[1]):
            best = got
    return best
