"""Durations ("2 hours", "an hour and a half", "1 year, 2 months", "90 secs", "1/4h") and the
relative one-offs built on them ("in 15 minutes", "2 hours from now", "3 days later").

Seconds, minutes and hours are elapsed time; days, weeks, months and years are calendar steps
that keep the wall-clock time (cronpilot's convention for relative one-offs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from scheduler.errors import InvalidRequest
from scheduler.triggers import localtime

from . import lexicon
from .days import DaySpec
from .daywords import match_day
from .tokens import Stream

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}


@dataclass(frozen=True)
class Delta:
    years: int = 0
    months: int = 0
    days: int = 0
    seconds: float = 0.0  # elapsed part

    def __add__(self, other: Delta) -> Delta:
        return Delta(self.years + other.years, self.months + other.months,
                     self.days + other.days, self.seconds + other.seconds)  # fmt: skip

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.days or self.seconds)

    @property
    def has_calendar(self) -> bool:
        return bool(self.years or self.months or self.days)

    @property
    def elapsed(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def calendar_step(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months, days=self.days)

    def apply(self, now: datetime, zone: ZoneInfo) -> datetime:
        """``now`` (aware) moved by the calendar part in wall time, then by the elapsed part."""
        instant = now.astimezone(UTC)
        if self.has_calendar:
            wall = now.astimezone(zone).replace(tzinfo=None) + self.calendar_step()
            instant = localtime.resolve(wall, zone)
        return instant + self.elapsed

    def approx_seconds(self) -> float:
        return self.seconds + 86400 * (self.days + 30.44 * self.months + 365.25 * self.years)


def unit_delta(unit: str, amount: float, text: str) -> Delta:
    if unit in _UNIT_SECONDS:
        return Delta(seconds=amount * _UNIT_SECONDS[unit])
    if unit in _UNIT_DAYS:
        days = amount * _UNIT_DAYS[unit]
        whole = int(days)
        return Delta(days=whole, seconds=round((days - whole) * 86400, 6))
    if amount != int(amount):
        if unit == "year" and amount * 12 == int(amount * 12):
            return Delta(months=int(amount * 12))
        raise InvalidRequest(
            f"I can't step by a fraction of a {unit} ('{text}'). Try whole {unit}s or days."
        )
    if unit == "month":
        return Delta(months=int(amount))
    if unit == "year":
        return Delta(years=int(amount))
    if unit == "decade":
        return Delta(years=10 * int(amount))
    raise InvalidRequest(f"I don't know the unit in '{text}'.")


def unit_at(s: Stream, i: int) -> tuple[str, int] | None:
    """A unit word at ``i`` (glued single letters like the "m" of "5m" included)."""
    w = s.word(i)
    if w is None:
        return None
    if w in lexicon.UNITS:
        return lexicon.UNITS[w], s.skip_dot(i + 1)
    prev = s.tok(i - 1)
    if w in lexicon.GLUED_UNITS and (
        s.at(i).glued or (w == "h" and prev is not None and prev.kind == "numsep")
    ):
        return lexicon.GLUED_UNITS[w], i + 1
    return None


def _amount_unit(s: Stream, i: int) -> tuple[str, float, int] | None:
    t = s.tok(i)
    if t is None:
        return None
    if s.is_word(i, "quarter", "quarters") or (s.is_word(i, "a") and s.is_word(i + 1, "quarter")):
        j = s.skip(i, "a")
        k = s.skip(j + 1, "of", "an", "a")
        u = unit_at(s, k)
        if u is not None and u[0] == "hour":
            return "minute", 15.0, u[1]
        return None
    got = s.number(i)
    if got is None:
        return None
    amount, j = got
    if s.is_punct(j, "-") and s.is_word(j + 1, "quarters", "quarter"):
        k = s.skip(j + 2, "of", "an", "a")
        u = unit_at(s, k)
        if u is not None and u[0] == "hour":
            return "minute", 15.0 * amount, u[1]
        return None
    if amount < 1:
        j = s.skip(j, "a", "an")
    j = s.skip(j, "more", "additional", "extra")
    u = unit_at(s, j)
    if u is None:
        return None
    unit, end = u
    if s.is_word(end, "and") and s.is_word(end + 1, "a", "an") and s.is_word(end + 2, "half"):
        amount += 0.5
        end += 3
    elif (
        unit == "hour" and s.tok(end) is not None and s.at(end).kind == "num" and s.at(end).glued
    ):
        mins = s.at(end).value  # "1h30"
        if mins < 60:
            return "minute", amount * 60 + mins, end + 1
    return unit, float(amount), end


def match_duration(s: Stream, i: int) -> tuple[Delta, int] | None:
    """One or more "<amount> <unit>" parts at ``i``: '2 hours', '1 year, 2 months and 3 days'."""
    first = _amount_unit(s, i)
    if first is None:
        return None
    unit, amount, end = first
    text = " ".join(t.text for t in s.tokens[i:end])
    total = unit_delta(unit, amount, text)
    while True:
        k = end
        if s.is_punct(k, ","):
            k += 1
        if s.is_word(k, "and"):
            k += 1
        nxt = _amount_unit(s, k)
        if nxt is None:
            break
        total = total + unit_delta(nxt[0], nxt[1], text)
        end = nxt[2]
    return total, end


@dataclass(frozen=True)
class Relative:
    delta: Delta
    past: bool = False
    weak: bool = False  # a bare duration ("5 minutes"): a schedule only when alone
    text: str = ""
    base: DaySpec | None = None  # "a week from tomorrow", "an hour before Thursday"
    before: bool = False


_FUTURE_AFTER = (("from", "now"), ("from", "right", "now"), ("from", "today"), ("later",),
                 ("hence",), ("after", "now"), ("afterwards",), ("from", "this", "moment"))  # fmt: skip
_PAST_AFTER = (("ago",), ("before", "now"), ("earlier",), ("back",), ("in", "the", "past"))


def _follows(s: Stream, j: int, options: tuple[tuple[str, ...], ...]) -> int | None:
    for words in options:
        if all(s.is_word(j + k, w) for k, w in enumerate(words)):
            return j + len(words)
    return None


def match_relative(s: Stream, i: int) -> tuple[Relative, int] | None:
    """'in 15 minutes', 'in an hour', '2 hours from now', 'after 4 days', '5 minutes ago', '+3 days'."""
    lead = s.word(i)
    j = i
    if lead in ("in", "after", "within") or s.is_punct(i, "+"):
        j = s.skip(
            i + 1, "about", "around", "approximately", "roughly", "just", "another", "exactly"
        )
        if s.is_punct(j, "-") and s.num(j + 1) is not None:
            raise InvalidRequest(
                f"'{s.span(i, j + 3)}' points into the past. Give a time ahead, e.g. 'in 5 minutes'."
            )
    got = match_duration(s, j)
    if got is None:
        return None
    delta, end = got
    if j == i:
        back = _follows(s, end, _PAST_AFTER)
        if back is not None:
            return Relative(delta, past=True, text=s.span(i, back)), back
        fwd = _follows(s, end, _FUTURE_AFTER)
        if fwd is None and s.is_word(end, "from", "after", "before"):
            day = match_day(s, end + 1)
            if day is not None:
                spec, stop = day
                return Relative(
                    delta, text=s.span(i, stop), base=spec, before=s.word(end) == "before"
                ), stop
        if fwd is None:
            if (s.is_word(end - 1, "h") and s.at(end - 1).glued) or s.at(end - 1).kind == "num":
                return None  # "21h", "9h30": a time of day
            return Relative(delta, weak=True, text=s.span(i, end)), end
        end = fwd
    elif (
        (lead == "in"
        and s.is_word(end, "time"))
        or (s.is_word(end, "'s")
        and s.is_word(end + 1, "time"))
    ):
        end = end + 1 if s.is_word(end, "time") else end + 2
    elif s.is_punct(end, "'") and s.is_word(end + 1, "time"):
        end += 2
    return Relative(delta, text=s.span(i, end)), end
