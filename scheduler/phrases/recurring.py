"""Matching repetition: "every other Tuesday", "weekdays", "daily", "twice a day",
"every 4th and 10th of the month", "every 1/30 and 9/30", "every 2 hours"...

Matchers return a partial :class:`~.pattern.Recur` (the parser merges the pieces of one phrase)
with the index after it. Frequency adjectives that may belong to the message ("the weekly
report") come back ``weak``: the parser drops them when the phrase names a specific day.
"""

from __future__ import annotations

from scheduler.errors import InvalidRequest

from . import lexicon
from .dates import day_number, match_month_day, match_numeric, month_at
from .daywords import match_holiday
from .durations import unit_at
from .monthly import edge_of_month, match_ordinal_first, month_positions
from .pattern import GROUP_DAYS, WEEKDAYS_MF, WEEKEND, Recur, list_sep, weekday_list
from .tokens import Stream

__all__ = [
    "WEEKDAYS_MF",
    "WEEKEND",
    "Recur",
    "match_every",
    "match_frequency_word",
    "match_times_per",
    "weekday_list",
]  # fmt: skip

_FREQ_WORDS = {
    "daily": ("day", 1), "everyday": ("day", 1), "weekly": ("week", 1), "monthly": ("month", 1),
    "yearly": ("year", 1), "annually": ("year", 1), "hourly": ("hour", 1), "nightly": ("day", 1),
    "biweekly": ("week", 2), "fortnightly": ("week", 2), "bimonthly": ("month", 2),
    "quarterly": ("month", 3), "semiannually": ("month", 6), "biannually": ("month", 6),
}  # fmt: skip
_SCHEDULE_FOLLOWERS = {
    "at", "on", "in", "from", "starting", "until", "till", "except", "for", "every", "each",
    "and", "twice", "between", "during", "@", "by", "beginning", "start", "to", "morning",
    "evening", "afternoon", "night", "excluding", "but", "around", "about", "then",
}  # fmt: skip
_PER = ("a", "per", "each", "every", "an")


def match_every(s: Stream, i: int) -> tuple[Recur, int] | None:
    """Phrases led by 'every'/'each'."""
    if not s.is_word(i, *lexicon.EVERY_WORDS):
        return None
    j = s.skip(i + 1, "single")
    if s.is_punct(j, "-") and s.num(j + 1) is not None:
        unit = unit_at(s, j + 2)
        said = s.span(i, unit[1] if unit else j + 2)
        raise InvalidRequest(f"'{said}' never comes round: a step is a positive number, e.g. 'every 2 hours'.")
    got = _every_body(s, j)
    if got is None:
        return None
    rec, end = got
    rec.text = s.span(i, end)
    return rec, end


def _every_body(s: Stream, j: int) -> tuple[Recur, int] | None:
    interval = 1
    k = j
    if s.is_word(k, "other", "alternate"):
        interval, k = 2, k + 1
    else:
        step = _step(s, k)
        if step is not None:
            return step
        n = s.integer(k, articles=False)
        o = s.ordinal(k)
        unit_next = o is not None and unit_at(s, o[1]) is not None
        days_next = o is not None and weekday_list(s, o[1]) is not None
        if o is not None and _workday_word(s, o[1]):
            # "every 15th workday", "every last business day" (Todoist): a place in the month
            return match_ordinal_first(s, k, every=True)
        if o is not None and days_next and _in_month(s, weekday_list(s, o[1])[1]):  # type: ignore[index]
            return match_ordinal_first(s, k, every=True)  # "every second Tuesday of the month"
        if n is not None and n[0] >= 1 and weekday_list(s, n[1]) is not None:
            interval, k = n[0], n[1]  # "every 3 fridays"
        elif o is not None and s.word(k) == "second" and not unit_next and not days_next:
            pass  # "every second": the unit
        elif o is not None and o[0] >= 2 and unit_next:
            interval, k = o  # "every 4th day", "every third month"
        elif o is not None and days_next and (o[0] >= 5 or s.word(k) == "second"):
            interval, k = o  # "every 5th friday", "every second friday": every N weeks
        else:
            ordf = match_ordinal_first(s, k, every=True)
            if ordf is not None:
                return ordf
    unit = unit_at(s, k)
    if unit is not None and s.and_a_half(interval, unit[1])[1] != unit[1]:
        if k != j:  # "every other hour and a half"
            raise InvalidRequest(f"'every {s.span(j, unit[1] + 3)}': say the step as one number, "
                                 "e.g. 'every 2.5 hours'.")
        return _counted(s, k, interval, unit)  # "every hour and a half", not "every hour"
    if unit is not None:
        name, end = unit
        if name == "fortnight":
            return Recur(unit="week", interval=2 * interval), end
        if name == "decade":
            return Recur(unit="year", interval=10 * interval), end
        if name in lexicon.SUBDAILY:
            return Recur(unit=name, interval=interval, step_seconds=None), end
        rec = Recur(unit=name, interval=interval)
        if name == "month" and s.is_word(end, "at", "on") and s.is_word(end + 1, "the"):
            edge = s.word(end + 2)
            if edge in ("beginning", "begin", "start", "end"):
                rec.monthdays = [-1 if edge == "end" else 1]
                return rec, end + 3
        if name == "month":
            return _with_positions(s, rec, end)
        return rec, end
    if s.is_word(k, "quarter") or (s.is_word(k, "half") and s.is_punct(k + 1, "-")
                                   and s.is_word(k + 2, "hour")):  # fmt: skip
        if s.word(k + 1) in ("hour", "hours") or s.is_word(k + 2, "hour"):  # "every quarter hour"
            minutes = 15 if s.word(k) == "quarter" else 30
            end = k + 2 if s.word(k + 1) in ("hour", "hours") else k + 3
            return Recur(unit="minute", interval=minutes, step_seconds=minutes * 60), end
        return _with_positions(s, Recur(unit="month", interval=3 * interval, quarter=True), k + 1)
    if s.is_word(k, "half") and s.is_word(k + 1, "hour", "hours"):  # "every half hour"
        return Recur(unit="minute", interval=30, step_seconds=1800), k + 2
    w = s.word(k)
    if w in lexicon.PERIODS:
        return Recur(unit="day", interval=interval, period=lexicon.PERIODS[w]), k + 1
    if s.is_word(k, "business", "working", "work") and s.is_word(k + 1, "day"):
        return Recur(unit="week", interval=interval, weekdays=set(WEEKDAYS_MF)), k + 2
    wl = weekday_list(s, k)
    if wl is not None:
        rec = Recur(unit="week", interval=interval, weekdays=set(wl[0]))
        end = wl[1]
        if (period := s.word(end)) in lexicon.PERIODS:
            rec.period, end = lexicon.PERIODS[period], end + 1
        return rec, end
    if interval != 1:
        return None
    return _every_dates(s, k)


def _in_month(s: Stream, k: int) -> bool:
    return s.is_word(k, "of", "in") and s.is_word(s.skip(k + 1, "the", "every", "each"), "month")


def _workday_word(s: Stream, k: int) -> bool:
    if s.is_word(k, "weekday", "workday", "workdays", "weekdays"):
        return True
    return s.is_word(k, "business", "working", "work") and s.is_word(k + 1, "day", "days")


def _with_positions(s: Stream, rec: Recur, end: int) -> tuple[Recur, int]:
    """'every other month on the last Friday', 'every month on the 1st and 15th'."""
    got = month_positions(s, end)
    if got is None:
        return rec, end
    pos, end = got
    rec.nth, rec.monthdays, rec.setpos = pos.nth, pos.monthdays, pos.setpos
    rec.weekdays |= pos.weekdays
    return rec, end


def _step(s: Stream, k: int) -> tuple[Recur, int] | None:
    """'2 hours', '90 secs', 'two weeks', '1.5 hours', '3 fridays' after 'every'."""
    got = s.number(k, articles=False)
    if got is None:
        return None
    amount, j = got
    unit = unit_at(s, j)
    if unit is None:
        return None
    return _counted(s, k, amount, unit)


def _counted(s: Stream, k: int, amount: float, unit: tuple[str, int]) -> tuple[Recur, int]:
    """``amount`` of the unit read at ``unit`` (name, end), the count starting at ``k``; a
    trailing "and a half" ("every 2 hours and a half", "every hour and a half") counts too."""
    name, end = unit
    amount, end = s.and_a_half(amount, end)
    if amount <= 0:
        raise InvalidRequest(f"'every {s.span(k, end)}' never comes round. Try 'every 2 hours'.")
    if name == "fortnight":
        name, amount = "week", amount * 2
    if name == "decade":
        name, amount = "year", amount * 10
    if name in lexicon.SUBDAILY:
        seconds = amount * {"second": 1, "minute": 60, "hour": 3600}[name]
        if seconds != int(seconds):
            raise InvalidRequest(f"'every {s.span(k, end)}' is not a whole number of seconds.")
        rec = Recur(
            unit=name, interval=int(amount) if amount == int(amount) else 1, step_seconds=seconds
        )
        return rec, end
    if amount != int(amount):
        days = round(amount * 7, 6)  # "every 1.5 weeks" is 10.5 days: refused, not cut to 10
        if name == "week" and days == int(days):
            return Recur(unit="day", interval=int(days)), end
        if name == "week":
            raise InvalidRequest(f"'every {s.span(k, end)}' is {days:g} days: say a whole number of days.")
        raise InvalidRequest(f"'every {s.span(k, end)}': say a whole number of {name}s.")
    if name == "month":
        return _with_positions(s, Recur(unit=name, interval=int(amount)), end)
    return Recur(unit=name, interval=int(amount)), end


def _every_dates(s: Stream, k: int) -> tuple[Recur, int] | None:
    """'every january 25', 'every aug 20 and 30', 'every 1/30 and 9/30', 'every christmas'."""
    mon = month_at(s, k)
    if mon is not None:
        month, j = mon
        j = s.skip(j, "on")
        j = s.skip(j, "day", "days", "the")
        days: list[int] = []
        end = j
        while (dn := day_number(s, end, words=False)) is not None:
            if not 1 <= dn[0] <= 31:
                raise InvalidRequest(
                    f"There is no day {dn[0]} in {lexicon.MONTH_NAMES[month - 1]}."
                )
            days.append(dn[0])
            nxt = list_sep(s, dn[1])
            if nxt == dn[1] or day_number(s, nxt, words=False) is None:
                end = dn[1]
                break
            end = nxt
        if not days:
            return None
        return Recur(unit="year", dates=[(month, d) for d in days]), end
    dates: list[tuple[int, int]] = []
    end = k
    while True:
        got = match_numeric(s, end) or match_month_day(s, end) or match_holiday(s, end)
        if got is None:
            break
        spec, after = got
        if spec.kind == "nth":
            return Recur(
                unit="year", nth=[(spec.nth or 1, spec.weekday or 0)], months=[spec.month or 1]
            ), after
        if spec.kind != "date" or spec.month is None or spec.day is None:
            break
        dates.append((spec.month, spec.day))
        end = after
        nxt = list_sep(s, end)
        if nxt == end:
            break
        end_try = nxt
        if match_numeric(s, end_try) is None and match_month_day(s, end_try) is None:
            break
        end = end_try
    if not dates:
        return None
    return Recur(unit="year", dates=dates), end


def match_frequency_word(s: Stream, i: int) -> tuple[Recur, int] | None:
    """'daily', 'weekly', 'hourly', 'weekdays', 'mondays and thursdays', 'on weekends'."""
    w = s.word(i)
    if w in _FREQ_WORDS:
        unit, interval = _FREQ_WORDS[w]
        rec = Recur(unit=unit, interval=interval, text=w)
        if w == "nightly":
            rec.period = "night"
        nxt = s.tok(i + 1)
        plain_word = nxt is not None and nxt.kind == "word" and nxt.text not in _SCHEDULE_FOLLOWERS
        if plain_word and nxt is not None and nxt.text not in lexicon.WEEKDAYS and nxt.text not in lexicon.MONTHS:
            rec.weak = True  # "the weekly report": an adjective, unless nothing else says when
        if unit == "month":  # "monthly on the last day", "quarterly on the 2nd Monday"
            return _with_positions(s, rec, i + 1)
        return rec, i + 1
    j = s.skip(i, "on", "in", "the")
    first = s.word(j)
    if first in GROUP_DAYS or first in lexicon.PLURAL_WEEKDAYS:
        wl = weekday_list(s, j)
        if wl is None:
            return None
        days, end = wl
        rec = Recur(unit="week", weekdays=set(days), text=s.span(i, end))
        if (period := s.word(end)) in lexicon.PERIODS and period in (
            "mornings",
            "evenings",
            "nights",
            "afternoons",
        ):
            rec.period, end = lexicon.PERIODS[period], end + 1
        return rec, end
    if (s.is_word(j, "business", "working", "work") and s.is_word(j + 1, "days")
            and s.num(i - 1) is None):  # "business days at 8", bare like "weekdays"
        return Recur(unit="week", weekdays=set(WEEKDAYS_MF), text=s.span(i, j + 2)), j + 2
    if first in ("mornings", "evenings", "nights", "afternoons") and j == i:
        return Recur(unit="day", period=lexicon.PERIODS[first], text=first), j + 1
    return edge_of_month(s, i)


def match_times_per(s: Stream, i: int) -> tuple[Recur, int] | None:
    """'once a week', 'twice a day', '3 times per day', 'twice daily'."""
    w = s.word(i)
    if w == "once":
        n, j = 1, i + 1
    elif w == "twice":
        n, j = 2, i + 1
    elif w == "thrice":
        n, j = 3, i + 1
    else:
        got = s.integer(i)
        if got is None or not s.is_word(got[1], "times", "x"):
            return None
        n, j = got[0], got[1] + 1
    if (freq := s.word(j)) in _FREQ_WORDS:
        unit, interval = _FREQ_WORDS[freq]
        end = j + 1
    elif s.is_word(j, *_PER) and (u := unit_at(s, j + 1)) is not None:
        unit, interval, end = u[0], 1, u[1]
    elif (
        s.is_word(j, "every") and s.is_word(j + 1, "other") and (u := unit_at(s, j + 2)) is not None
    ):
        unit, interval, end = u[0], 2, u[1]
    else:
        return None
    rec = Recur(unit=unit, interval=interval, per_unit=n, text=s.span(i, end))
    return rec, end
