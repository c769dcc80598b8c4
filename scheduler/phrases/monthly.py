"""Positions within a month or year: "first Friday of every other month", "the 4th of every
month", "2nd and last fri of each month", "last weekday of the month", "31st of every year",
"the first and last instance of tue and fri".
"""

from __future__ import annotations

from scheduler.errors import InvalidRequest
from scheduler.wording.calendar import ordinal

from .dates import month_at
from .pattern import WEEKDAYS_MF, Recur, list_sep, weekday_list
from .tokens import Stream


def _nth_groups(s: Stream, i: int) -> tuple[list[tuple[int, int]], int] | None:
    """'first and third friday and second tuesday', '2nd and last fri', 'last weekday'."""
    groups: list[tuple[int, int]] = []
    j, end = i, i
    while True:
        ords: list[int] = []
        k = j
        while (o := s.ordinal(k)) is not None:
            ords.append(o[0])
            k2 = list_sep(s, o[1])
            if s.ordinal(k2) is None:
                k = o[1]
                break
            k = k2
        if not ords:
            break
        if s.is_word(k, "weekday", "workday", "business", "working"):
            break  # "last weekday of the month": a position among weekdays (BYSETPOS)
        wl = weekday_list(s, k)
        if wl is None:
            break
        if any(abs(n) > 5 or n == 0 for n in ords):
            raise InvalidRequest(f"There is no '{s.span(j, wl[1])}' in a month.")
        groups.extend((n, wd) for n in ords for wd in wl[0])
        end = wl[1]
        j = list_sep(s, end)
        if j == end:
            break
    return (groups, end) if groups else None


def _month_scope(s: Stream, i: int) -> tuple[str, int, list[int], int] | None:
    """After an ordinal: 'of the month', 'of every other month', 'of each 3rd month', 'in november'.

    Returns (unit, interval, months, end).
    """
    if not s.is_word(i, "of", "in"):
        return None
    j = i + 1
    if s.is_word(j, "the") and s.is_word(j + 1, "month"):
        return "month", 1, [], j + 2
    if s.is_word(j, "the", "every", "each") and s.is_word(j + 1, "quarter"):
        return "quarter", 1, [], j + 2
    if s.is_word(j, "every", "each", "the"):
        k = j + 1
        interval = 1
        if s.is_word(k, "other"):
            interval, k = 2, k + 1
        elif (o := s.ordinal(k)) is not None and o[0] > 1:
            interval, k = o[0], o[1]
        elif (n := s.integer(k)) is not None:
            interval, k = n[0], n[1]
        if s.is_word(k, "month", "months"):
            return "month", interval, [], k + 1
        if s.is_word(k, "year", "years"):
            return "year", interval, [], k + 1
        if s.is_word(k, "quarter") and interval == 1:
            return "quarter", 1, [], k + 1
        if s.is_word(k, "quarter"):
            return "month", 3 * interval, [], k + 1
        return None
    mon = month_at(s, s.skip(j, "the"))
    if mon is not None:
        months = [mon[0]]
        end = mon[1]
        while (k := list_sep(s, end)) != end and (m2 := month_at(s, k)) is not None:
            months.append(m2[0])
            end = m2[1]
        return "year", 1, months, end
    return None


def match_instances(s: Stream, i: int) -> tuple[Recur, int] | None:
    """'on the first and last instance of tue and fri' (RFC 5545 BYSETPOS within the month)."""
    j = s.skip(i, "on", "the", "for")
    ords: list[int] = []
    k = j
    while (o := s.ordinal(k)) is not None:
        ords.append(o[0])
        k2 = list_sep(s, o[1])
        k = o[1]
        if k2 == o[1] or s.ordinal(k2) is None:
            break
        k = k2
    if not ords or not s.is_word(
        k, "instance", "instances", "occurrence", "occurrences", "one", "ones"
    ):
        return None
    if not s.is_word(k + 1, "of"):
        return None
    wl = weekday_list(s, k + 2)
    if wl is None:
        return None
    return Recur(weekdays=set(wl[0]), setpos=ords, text=s.span(i, wl[1])), wl[1]


def match_ordinal_first(s: Stream, i: int, *, every: bool = False) -> tuple[Recur, int] | None:
    """'first Friday of every other month', 'the 4th of every month', 'last day of each month'."""
    j = s.skip(i, "the", "on")
    groups = _nth_groups(s, j)
    if groups is not None:
        nth, k = groups
        scope = _month_scope(s, k)
        if scope is None and not every:
            return None
        unit, interval, months, end = scope or ("month", 1, [], k)
        if not every and unit == "year":
            if months and len(nth) > 1:
                raise _several_days(s.span(i, end))
            return None
        rec = Recur(unit="month" if unit == "quarter" else unit, interval=interval, nth=nth,
                    months=months, quarter=unit == "quarter", text=s.span(i, end))  # fmt: skip
        return rec, end
    ords: list[int] = []
    k = j
    bare = False
    while (o := s.ordinal(k)) is not None or (every and k == j and s.num(k) is not None):
        if o is None:
            n, k_end = s.at(k).value, k + 1  # a bare number: the loop's test saw one
            bare = True
        else:
            n, k_end = o
        ords.append(n)
        k2 = list_sep(s, k_end)
        k = k_end
        if k2 == k_end or (s.ordinal(k2) is None and not s.num(k2)):
            break
        k = k2
    if not ords:
        return None
    k = s.skip(k, "day")
    words = {"business", "working", "work"}
    if s.is_word(k, *words) and s.is_word(k + 1, "day"):
        k += 2
        weekday_pos = True
    else:
        weekday_pos = s.is_word(k - 1, "weekday", "workday")
        if s.is_word(k, "weekday", "workday"):
            k, weekday_pos = k + 1, True
    scope = _month_scope(s, k)
    if scope is None:
        if not every:
            return None
        if bare:  # "every 5", "every 1 foo": a count of something unread, not the 5th of the month
            raise count_without_unit(s, j, ords[0])
        scope = ("month", 1, [], k)  # "every 15th workday" (Todoist): the 15th of the month
    unit, interval, months, end = scope
    quarter = unit == "quarter"
    unit = "month" if quarter else unit
    if not every and months:
        if len(ords) > 1:
            raise _several_days(s.span(i, end))
        return None
    for n in ords:
        if not 1 <= abs(n) <= 31:
            raise InvalidRequest(f"There is no day {n} in a month ('{s.span(i, end)}').")
    if weekday_pos:
        rec = Recur(
            unit="month", interval=interval, weekdays=set(WEEKDAYS_MF), setpos=ords, months=months
        )
        saturdays = _counting_saturdays(s, end)
        if saturdays is not None:  # "5th business day counting Saturdays" (Brazil's CLT rule)
            rec.weekdays.add(5)
            end = saturdays
    elif unit == "year" and not months:
        rec = Recur(unit="year", interval=interval, yeardays=ords)
    elif unit == "year":
        rec = Recur(unit="year", interval=interval, dates=[(m, d) for m in months for d in ords])
    else:
        rec = Recur(unit="month", interval=interval, monthdays=ords)
    rec.quarter = quarter
    rec.text = s.span(i, end)
    return rec, end


def month_positions(s: Stream, i: int) -> tuple[Recur, int] | None:
    """Days after 'every (other) month' or 'every quarter': 'on the last Friday', 'on the 1st and
    15th', 'on the second to last day', 'on the 3rd business day' (a partial Recur)."""
    j = s.skip(i, "on", "the")
    groups = _nth_groups(s, j)
    if groups is not None:
        return Recur(nth=groups[0]), groups[1]
    ords: list[int] = []
    k = j
    while (o := s.ordinal(k)) is not None:
        ords.append(o[0])
        k = o[1]
        nxt = s.skip(list_sep(s, k), "the")
        if nxt == k or s.ordinal(nxt) is None:
            break
        k = nxt
    if not ords:
        return None
    if s.is_word(k, "business", "working", "work") and s.is_word(k + 1, "day", "days"):
        return Recur(weekdays=set(WEEKDAYS_MF), setpos=ords), k + 2
    if s.is_word(k, "weekday", "workday"):
        return Recur(weekdays=set(WEEKDAYS_MF), setpos=ords), k + 1
    if j == i and not s.is_word(k, "day", "days"):
        return None  # a bare "15th" after "every month" needs "on the"
    for n in ords:
        if not 1 <= abs(n) <= 31:
            raise InvalidRequest(f"There is no day {n} in a month ('{s.span(i, k)}').")
    return Recur(monthdays=ords), s.skip(k, "day", "days")


def match_business_day_number(s: Stream, i: int) -> tuple[Recur, int] | None:
    """'business day 3 of every month', 'workday 10 of the month' (finance close calendars)."""
    j = s.skip(i, "on")
    if s.is_word(j, "business", "working", "work") and s.is_word(j + 1, "day"):
        k = j + 2
    elif s.is_word(j, "workday"):
        k = j + 1
    else:
        return None
    n = s.num(k)
    if n is None or not 1 <= n <= 23:
        return None
    scope = _month_scope(s, k + 1)
    if scope is None or scope[0] != "month":
        return None
    rec = Recur(unit="month", interval=scope[1], weekdays=set(WEEKDAYS_MF), setpos=[n],
                text=s.span(i, scope[3]))  # fmt: skip
    return rec, scope[3]


def _counting_saturdays(s: Stream, i: int) -> int | None:
    """'counting saturdays', 'including saturdays', 'saturdays included': end, or None."""
    j = i + 1 if s.is_punct(i, ",") else i
    if s.is_word(j, "counting", "including", "incl") and s.is_word(j + 1, "saturdays", "saturday"):
        return j + 2
    if s.is_word(j, "saturdays") and s.is_word(j + 1, "included", "count", "counted"):
        return j + 2
    return None


# Steps finer than the engine's second, said as units the reader doesn't count in.
_SUBSECOND = {"ms", "msec", "msecs", "millisecond", "milliseconds", "microsecond", "microseconds",
              "us", "ns", "nanosecond", "nanoseconds"}  # fmt: skip


def count_without_unit(s: Stream, i: int, n: int) -> InvalidRequest:
    """The refusal of "every <n>" (at token ``i``) with no unit of time read after the number:
    "every 1 foo" is not "the 1st of every month"."""
    word = s.word(i + 1)
    said = f"every {s.span(i, i + 2 if word else i + 1)}"
    after = s.tok(i + 1)
    if after is not None and after.kind != "word" and not s.is_punct(i + 1, ",", ";", ":", "."):
        # "every 1 1/2 hours": a count the reader can't put together
        return InvalidRequest(f"I couldn't read 'every {s.span(i, min(i + 4, s.n))}' as a step; write it as "
                              "e.g. 'every 1.5 hours' or 'every 90 minutes'.")
    if word in _SUBSECOND:
        return InvalidRequest(f"'{said}': the shortest step I schedule is a second (e.g. 'every 10 seconds').")
    options = ["every day", "every hour"] if n == 1 else [f"every {n} days", f"every {n} hours"]
    if 1 <= n <= 31:
        options.append(f"on the {ordinal(n)} of every month")
    examples = ", ".join(f"'{o}'" for o in options[:-1]) + f" or '{options[-1]}'"
    if word is not None and word not in NOT_UNITS:
        return InvalidRequest(f"I don't know '{word}' as a unit of time in '{said}'; say e.g. {examples}.")
    return InvalidRequest(f"'every {n}' doesn't say {n} of what; say e.g. {examples}.")


# Words after "every <n>" that are plainly not a misspelt unit (the phrase just goes on).
NOT_UNITS = {"at", "on", "in", "from", "starting", "beginning", "until", "till", "except", "excluding",
             "unless", "but", "and", "or", "to", "the", "of", "@", "for", "each", "every", "by",
             "between", "around", "about", "then", "please", "pls"}  # fmt: skip


def _several_days(text: str) -> InvalidRequest:
    return InvalidRequest(
        f"'{text}' names several days. For a yearly schedule say 'every {text}'; "
        f"for one-offs, ask for each day."
    )


def edge_of_month(s: Stream, i: int) -> tuple[Recur, int] | None:
    """'beginning of each month', 'end of every month', 'start of the month' (recurring)."""
    w = s.word(i)
    if w not in ("beginning", "begin", "start", "end", "middle"):
        return None
    if s.is_word(i + 2, "the") and s.is_word(i + 3, "month"):
        return None  # "end of the month": this month's end, a one-off
    scope = _month_scope(s, i + 1)
    if scope is None or scope[0] != "month":
        return None
    day = {"end": -1, "middle": 15}.get(w, 1)
    rec = Recur(unit="month", interval=scope[1], monthdays=[day], text=s.span(i, scope[3]))
    return rec, scope[3]
