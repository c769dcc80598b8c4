"""Calendar days named in a phrase ("tomorrow", "next Friday", "Dec 1st", "last Monday of March")
and how each resolves to a date given the person's local "now" and the time of day.

Resolution follows cronpilot's conventions: a day without a year is its next occurrence (this
year if still ahead at the given time, else next year); a bare weekday is the coming one (today
counts while the time is still ahead); "next <weekday>" is that day in the following week (weeks
start on Monday).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.easter import easter

from scheduler.errors import InvalidRequest

from . import lexicon


@dataclass(frozen=True)
class DaySpec:
    kind: str  # offset|weekday|date|monthday|nth|yearday|week|month_start|month_end|year_start|weekend|easter
    offset: int = 0
    weekday: int | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    nth: int | None = None
    mode: str = "coming"  # weekday: coming|next|after_next|this_week|last
    text: str = ""

    @property
    def is_specific(self) -> bool:
        """True when the spec names one calendar day (not a weekday/day-of-month pattern)."""
        if self.kind == "weekday":
            return self.mode != "coming"
        if self.kind == "monthday":
            return False
        return not (self.kind == "nth" and self.month is None and self.offset == 0)


def next_nth_weekday(year: int, month: int, nth: int, weekday: int) -> date | None:
    """The nth (1..5, or -1..-5 from the end) ``weekday`` of a month, or None."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
            if date(year, month, d).weekday() == weekday]  # fmt: skip
    index = nth - 1 if nth > 0 else nth
    try:
        return date(year, month, days[index])
    except IndexError:
        return None


def check_date(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise InvalidRequest(
            f"'{text}' is not a date I can read. Try 'Dec 1st', '12/1' or '2026-12-01'."
        )
    if day > calendar.monthrange(year if year else 2024, month)[1]:
        raise InvalidRequest(
            f"'{text}' is not a real date: {lexicon.MONTH_NAMES[month - 1]} has no day {day}."
        )
    return date(year or 2024, month, day)


def _after(d: date, at: time, now: datetime) -> bool:
    return datetime.combine(d, at) > now


def resolve(spec: DaySpec, now: datetime, at: time) -> date:
    """The date ``spec`` names, seen from the naive local ``now``, for an event at ``at``."""
    today = now.date()
    kind = spec.kind
    if kind == "offset":
        return today + timedelta(days=spec.offset)
    if kind == "weekday":
        return _weekday(spec, now, at)
    if kind == "weekend":
        start = today + timedelta(days=7 - today.weekday()) if spec.mode == "next" else today
        for k in range(14):
            d = start + timedelta(days=k)
            if d.weekday() >= 5 and (spec.mode == "next" or _after(d, at, now)):
                return d
    if kind == "date":
        assert spec.month is not None and spec.day is not None
        if spec.year is not None:
            d = check_date(spec.year, spec.month, spec.day, spec.text)
            if spec.weekday is not None and d.weekday() != spec.weekday:
                raise InvalidRequest(
                    f"'{spec.text}' doesn't add up: {d:%d %b %Y} is a "
                    f"{lexicon.WEEKDAY_NAMES[d.weekday()]}."
                )
            return d
        for year in range(today.year, today.year + 29):
            if spec.day <= calendar.monthrange(year, spec.month)[1]:
                d = date(year, spec.month, spec.day)
                if spec.weekday is not None and d.weekday() != spec.weekday:
                    continue
                if _after(d, at, now):
                    return d
    if kind == "monthday":
        assert spec.day is not None
        y, m = today.year, today.month
        for _ in range(100):
            last = calendar.monthrange(y, m)[1]
            day = spec.day if spec.day > 0 else last + 1 + spec.day
            ok = spec.weekday is None or (
                1 <= day <= last and date(y, m, day).weekday() == spec.weekday
            )
            if ok and 1 <= day <= last and _after(date(y, m, day), at, now):
                return date(y, m, day)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if kind == "nth":
        return _nth(spec, now, at)
    if kind == "yearday":
        assert spec.day is not None
        for year in [spec.year] if spec.year else range(today.year, today.year + 3):
            d = date(year, 1, 1) + timedelta(days=spec.day - 1)
            if d.year == year and (spec.year or _after(d, at, now)):
                return d
        raise InvalidRequest(f"'{spec.text}' is not a day of the year.")
    if kind == "week":
        return today + timedelta(days=7 * spec.offset - today.weekday())
    if kind in ("month_start", "month_end"):
        return _month_edge(spec, now, at)
    if kind == "year_start":
        return date(today.year + spec.offset, 1, 1)
    if kind == "easter":
        for year in [spec.year] if spec.year else range(today.year, today.year + 2):
            d = easter(year)
            if spec.year or _after(d, at, now):
                return d
    raise InvalidRequest(f"I couldn't work out which day '{spec.text}' is.")


def _weekday(spec: DaySpec, now: datetime, at: time) -> date:
    today = now.date()
    wd = spec.weekday
    assert wd is not None
    monday = today - timedelta(days=today.weekday())
    if spec.mode == "next":
        return monday + timedelta(days=7 + wd)
    if spec.mode == "this_week":
        return monday + timedelta(days=wd)
    if spec.mode == "last":
        back = (today.weekday() - wd) % 7 or 7
        return today - timedelta(days=back)
    ahead = (wd - today.weekday()) % 7
    d = today + timedelta(days=ahead)
    if not _after(d, at, now):
        d += timedelta(days=7)
    if spec.mode == "after_next":
        d += timedelta(days=7)
    return d


def _nth(spec: DaySpec, now: datetime, at: time) -> date:
    today = now.date()
    assert spec.nth is not None and spec.weekday is not None
    if spec.month is None:
        y, m = today.year, today.month + spec.offset
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        for _ in range(13):
            d = next_nth_weekday(y, m, spec.nth, spec.weekday)
            if d is not None and (spec.offset or _after(d, at, now)):
                return d
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        years = [spec.year] if spec.year else list(range(today.year, today.year + 8))
        for year in years:
            d = next_nth_weekday(year, spec.month, spec.nth, spec.weekday)
            if d is not None and (spec.year or _after(d, at, now)):
                return d
    raise InvalidRequest(f"There is no {spec.text}.")


def _month_edge(spec: DaySpec, now: datetime, at: time) -> date:
    today = now.date()
    if spec.month is not None:  # "beginning of March", "end of May", "mid January"
        for year in [spec.year] if spec.year else range(today.year, today.year + 2):
            day = spec.day or (
                1 if spec.kind == "month_start" else calendar.monthrange(year, spec.month)[1]
            )
            d = date(year, spec.month, day)
            if spec.year or _after(d, at, now):
                return d
    y, m = today.year, today.month + spec.offset
    for _ in range(3):
        y2, m2 = y + (m - 1) // 12, (m - 1) % 12 + 1
        day = 1 if spec.kind == "month_start" else calendar.monthrange(y2, m2)[1]
        d = date(y2, m2, day)
        if spec.offset or _after(d, at, now):
            return d
        m += 1
    raise InvalidRequest(f"I couldn't work out which day '{spec.text}' is.")
