"""Matching the days and dates of a phrase: "tomorrow", "next Friday", "Dec 1st", "12/1/2026",
"2026-12-01", "the 15th", "last Monday of March", "christmas", "end of month"...

Each matcher reads tokens at a position and returns a :class:`~.days.DaySpec` with the index
after it, or None. Words that are also ordinary English ("may", "march", "sat", "sun", "wed")
count as dates only where the context says so ("on sat", "may 5", "in march").
"""

from __future__ import annotations

from scheduler.errors import InvalidRequest

from . import lexicon
from .days import DaySpec, check_date
from .tokens import Stream

DATE_CONTEXT = {
    "on", "every", "each", "next", "this", "last", "until", "till", "til", "from", "starting",
    "since", "by", "in", "of", "except", "through", "thru", "to", "early", "mid", "late",
    "end", "beginning", "start", "during", "before", "after", "and", "coming", "upcoming",
    "following", "begin", "ending", "other",
}  # fmt: skip


def _prev_word(s: Stream, i: int) -> str | None:
    t = s.tok(i - 1)
    if t is not None and t.kind == "punct" and t.text == ",":
        return ","
    return s.word(i - 1)


def weekday_at(s: Stream, i: int) -> tuple[int, int] | None:
    """A weekday name at ``i`` (with an abbreviation dot): (weekday 0=Mon, end)."""
    w = s.word(i)
    if w is None or w not in lexicon.WEEKDAYS:
        return None
    if w in lexicon.WEAK_WEEKDAYS:
        prev = _prev_word(s, i)
        nxt = s.word(i + 1)
        after = s.tok(i + 1)
        time_follows = after is not None and (after.kind == "clock" or (
            after.kind == "num" and s.word(i + 2) in ("am", "pm", "a", "p")))  # fmt: skip
        context = (
            prev in DATE_CONTEXT or prev == "," or nxt in ("at", "and", "or", "morning", "night")
            or time_follows
        )
        if not context and not s.is_punct(i + 1, ".", ",", "-"):
            return None
    return lexicon.WEEKDAYS[w], s.skip_dot(i + 1)


def month_at(s: Stream, i: int) -> tuple[int, int] | None:
    """A month name at ``i``: (month, end). Weak names need a day number or a context word."""
    w = s.word(i)
    if w is None or w not in lexicon.MONTHS:
        return None
    end = s.skip_dot(i + 1)
    if w in lexicon.WEAK_MONTHS:
        prev = _prev_word(s, i)
        t = s.tok(end)
        day_follows = t is not None and (t.kind == "num" or s.ordinal(end) is not None)
        prev_is_day = s.tok(i - 1) is not None and (
            s.at(i - 1).kind == "num" or s.word(i - 1) in lexicon.ORDINAL_SUFFIXES
        )
        if not (day_follows or prev in DATE_CONTEXT or prev_is_day):
            return None
    return lexicon.MONTHS[w], end


def day_number(s: Stream, i: int, *, words: bool = True) -> tuple[int, int, bool] | None:
    """A day of the month at ``i``: (day, end, was_ordinal). Out-of-range values are returned."""
    t = s.tok(i)
    if t is None:
        return None
    ordinal = s.ordinal(i)
    if ordinal is not None and ordinal[0] > 0:
        return ordinal[0], ordinal[1], True
    if t.kind == "num" and len(t.text) <= 2:
        return t.value, i + 1, False
    if words and t.kind == "word" and t.text in lexicon.NUMBER_WORDS:
        got = s.integer(i)
        if got is not None and 1 <= got[0] <= 31:
            return got[0], got[1], False
    return None


def year_at(s: Stream, i: int) -> tuple[int, int] | None:
    j = i + 1 if s.is_punct(i, ",") else i
    j = j + 1 if s.is_word(j, "of", "in") and s.num(j + 1) is not None else j
    t = s.tok(j)
    if t is not None and t.kind == "num" and len(t.text) == 4 and 1900 <= t.value <= 2999:
        return t.value, j + 1
    return None


def _not_a_date(text: str) -> InvalidRequest:
    return InvalidRequest(
        f"'{text}' is not a date I can read. Try 'Dec 1st', '12/1' or '2026-12-01'."
    )


def match_numeric(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """'12/17/2020', '1/30', '5-17-20', '17.1.20', '2026-12-01' (US order: month first)."""
    t = s.tok(i)
    if t is None:
        return None
    if t.kind == "iso" and len(t.value) == 3:
        y, m, d = t.value
        check_date(y, m, d, t.text)
        return DaySpec("date", year=y, month=m, day=d, text=t.text), i + 1
    if t.kind != "numsep":
        return None
    parts, sep = t.value
    if sep == "." and len(parts) == 2:
        return None  # "9.30" is a time; "1.5" a number
    nums = [int(p) for p in parts]
    if len(parts[0]) == 4:
        if len(nums) != 3:
            return None
        y, m, d = nums
    else:
        m, d = nums[0], nums[1]
        if m > 12 and d <= 12:
            m, d = d, m
        y = None
        if len(nums) == 3:
            y = nums[2] + (2000 if len(parts[2]) == 2 else 0) if len(parts[2]) in (2, 4) else -1
            if y < 0:
                raise _not_a_date(t.text)
    if (
        sep == "/"
        and len(nums) == 2
        and s.word(i + 1) in lexicon.UNITS | lexicon.GLUED_UNITS.keys()
    ):
        return None  # "1/4 hour"
    check_date(y or 2024, m, d, t.text)
    return DaySpec("date", year=y, month=m, day=d, text=t.text), i + 1


def match_month_day(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """'December 1st', 'Dec 25 2026', 'march the 15th', '1st of December', '25 dec', 'the 4th of july'."""
    start = i
    got = month_at(s, i)
    if got is not None:
        month, j = got
        k = s.skip(j, "the")
        dn = day_number(s, k)
        if dn is None:
            return None
        day, end, was_ordinal = dn
        if s.word(end) in lexicon.UNITS or s.is_word(end, "times", "x"):
            return None
        if not 1 <= day <= 31:
            t = s.at(k)
            if t.kind == "num" and len(t.text) == 4:
                return None  # "May 2027": a month and a year
            raise _not_a_date(s.span(start, end))
        year = year_at(s, end)
        if year:
            end = year[1]
        text = s.span(start, end)
        check_date(year[0] if year else 2024, month, day, text)
        return DaySpec("date", year=year[0] if year else None, month=month, day=day, text=text), end
    j = s.skip(i, "the")
    dn = day_number(s, j, words=j > i)
    if dn is None:
        return None
    day, k, was_ordinal = dn
    k2 = k + 1 if s.is_word(k, "of") else k
    k2 = k2 + 1 if s.is_punct(k2, "-") else k2
    got = month_at(s, k2)
    if got is None or (
        k2 == k and not was_ordinal and s.at(k).glued is False and s.at(j).kind != "num"
    ):
        return None
    month, end = got
    year = year_at(s, end)
    if year:
        end = year[1]
    text = s.span(start, end)
    if not 1 <= day <= 31:
        raise _not_a_date(text)
    check_date(year[0] if year else 2024, month, day, text)
    return DaySpec("date", year=year[0] if year else None, month=month, day=day, text=text), end


def match_nth_weekday(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """'last Monday of March', '2nd fri in feb 2027', 'the first Tuesday of next month'."""
    j = s.skip(i, "the")
    got = s.ordinal(j)
    if got is None:
        return None
    nth, k = got
    wd = weekday_at(s, k)
    if wd is None or abs(nth) > 5:
        return None
    weekday, k = wd
    if not s.is_word(k, "of", "in"):
        return None
    k += 1
    if s.is_word(k, "this", "next") and s.is_word(k + 1, "month"):
        offset = 1 if s.word(k) == "next" else 0
        spec = DaySpec("nth", nth=nth, weekday=weekday, offset=offset, text=s.span(i, k + 2))
        return spec, k + 2
    mon = month_at(s, s.skip(k, "the"))
    if mon is None:
        return None
    month, end = mon
    year = year_at(s, end)
    if year:
        end = year[1]
    spec = DaySpec("nth", nth=nth, weekday=weekday, month=month, year=year[0] if year else None,
                   text=s.span(i, end))  # fmt: skip
    return spec, end


def match_monthday(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """'on the 15th', 'the 1st', 'on 7', 'on seven': that day of the month."""
    if not s.is_word(i, "on", "the"):
        return None
    j = s.skip(i, "on", "the")
    if s.is_word(j, "day") and s.num(j + 1) is not None:
        j += 1
    dn = day_number(s, j, words=s.is_word(i, "on"))
    if dn is None:
        return None
    day, end, was_ordinal = dn
    if not was_ordinal and not s.is_word(i, "on"):
        return None
    nxt = s.word(end)
    if (
        nxt in lexicon.UNITS
        or nxt in lexicon.WEEKDAYS
        or nxt in ("times", "x", "day", "week", "of")
    ):
        return None
    if not 1 <= day <= 31:
        raise _not_a_date(s.span(i, end))
    return DaySpec("monthday", day=day, text=s.span(i, end)), end


def match_yearday(s: Stream, i: int) -> tuple[DaySpec, int] | None:
    """'35th day', '40th day of 2027', 'third day of october'."""
    j = s.skip(i, "the")
    got = s.ordinal(j)
    if got is None or not s.is_word(got[1], "day"):
        return None
    n, k = got[0], got[1] + 1
    if n < 0:
        if n != -1 or not s.is_word(k, "of", "in"):
            return None
        mon = month_at(s, s.skip(k + 1, "the"))
        if mon is None:
            return None
        year = year_at(s, mon[1])
        end = year[1] if year else mon[1]
        return DaySpec(
            "month_end", month=mon[0], year=year[0] if year else None, text=s.span(i, end)
        ), end
    if s.is_word(k, "of", "in"):
        mon = month_at(s, s.skip(k + 1, "the"))
        if mon is not None:
            year = year_at(s, mon[1])
            end = year[1] if year else mon[1]
            text = s.span(i, end)
            check_date(year[0] if year else 2024, mon[0], n, text)
            return DaySpec(
                "date", year=year[0] if year else None, month=mon[0], day=n, text=text
            ), end
    year = year_at(s, k)
    end = year[1] if year else k
    if s.is_word(end, "of", "in") or not 1 <= n <= 366:
        return None
    return DaySpec("yearday", day=n, year=year[0] if year else None, text=s.span(i, end)), end
