"""An independent oracle for the round-two tables: expected fire times from RFC 5545 rules
(dateutil) and wall clocks (zoneinfo). Nothing from cronpilot is imported, so a row's expectation
never comes from the parser it scores.

Conventions (the dev set's, written in shared/eval/README.md and docs/time-phrases.md):
- a wall time skipped by spring-forward runs at the first valid instant after the gap (the end
  of the gap); a repeated wall time runs once, at its first occurrence (fold=0);
- calendar rules keep the wall-clock time across DST; elapsed steps (seconds, minutes, hours)
  are real time;
- schedules that step through the hours ("every hour at :30", hourly windows) are read as
  "every real instant whose local clock shows a matching time": a skipped wall time has no run,
  a repeated one runs twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import takewhile
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule
from dateutil.rrule import weekday as rweekday

MO, TU, WE, TH, FR, SA, SU = range(7)
WEEKDAYS = (MO, TU, WE, TH, FR)


@dataclass(frozen=True)
class Ctx:
    now: datetime  # naive wall time in tz
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def now_at(self) -> datetime:
        return self.now.replace(tzinfo=self.zone, fold=0)


def valid(wall: datetime, zone: ZoneInfo) -> bool:
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def instant(wall: datetime, tz: str) -> datetime:
    """The aware instant a wall time means: the first of a repeated time; for a time in a gap,
    the first valid wall time after it (the end of the gap)."""
    zone = ZoneInfo(tz)
    probe = wall
    while not valid(probe, zone):
        probe += timedelta(minutes=1)
    return probe.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def iso(at: datetime) -> str:
    return at.isoformat()


Expect = Callable[[Ctx], list[str]]


def from_walls(walls: Iterable[datetime], c: Ctx, n: int = 3, skip: frozenset[date] = frozenset()) -> list[str]:
    """The first ``n`` distinct instants strictly after now, from wall times in order."""
    out: list[str] = []
    now_utc = c.now_at.astimezone(UTC)
    for wall in walls:
        if wall.date() in skip:
            continue
        at = instant(wall, c.tz)
        if at.astimezone(UTC) <= now_utc:
            continue
        text = iso(at)
        if out and out[-1] == text:
            continue
        out.append(text)
        if len(out) == n:
            break
    return out


def midnight(c: Ctx, days_back: int = 0) -> datetime:
    return c.now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_back)


# ---- calendar rules (wall clock kept across DST) -------------------------------------------

def daily(h: int, m: int = 0, days: Iterable[int] | None = None, *, times: Iterable[tuple[int, int]] = (),
          count: int | None = None, until: datetime | None = None, skip: frozenset[date] = frozenset(),
          start: datetime | None = None) -> Expect:  # fmt: skip
    def run(c: Ctx) -> list[str]:
        hm = list(times) or [(h, m)]
        walls = (
            datetime.combine(d.date(), datetime.min.time()).replace(hour=hh, minute=mm)
            for d in rrule(DAILY, byweekday=tuple(days) if days is not None else None, dtstart=start or midnight(c))
            for hh, mm in sorted(hm)
        )
        return _bounded(walls, c, count, until, skip)
    return run


def weekly(days: Iterable[int], h: int = 9, m: int = 0, *, interval: int = 1, count: int | None = None,
           until: datetime | None = None, start: datetime | None = None,
           skip: frozenset[date] = frozenset()) -> Expect:  # fmt: skip
    days = tuple(days)

    def run(c: Ctx) -> list[str]:
        base = start or midnight(c)
        first = _first_after(rrule(WEEKLY, byweekday=days, byhour=h, byminute=m, bysecond=0, dtstart=base), c)
        walls = rrule(WEEKLY, interval=interval, byweekday=days, byhour=h, byminute=m, bysecond=0,
                      dtstart=first, wkst=MO)  # fmt: skip
        return _bounded(walls, c, count, until, skip)
    return run


def monthly(*, day: int | Iterable[int] | None = None, weekday: Iterable[rweekday] | None = None,
            setpos: int | None = None, months: Iterable[int] | None = None, h: int = 9, m: int = 0,
            interval: int = 1, count: int | None = None, until: datetime | None = None) -> Expect:  # fmt: skip
    def rule(start: datetime, step: int) -> rrule:
        return rrule(MONTHLY, interval=step, bymonthday=day, byweekday=weekday, bysetpos=setpos,
                     bymonth=tuple(months) if months else None, byhour=h, byminute=m, bysecond=0,
                     dtstart=start)  # fmt: skip

    def run(c: Ctx) -> list[str]:
        month0 = c.now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        first = _first_after(rule(month0, 1), c)
        walls = rule(first.replace(day=1, hour=0, minute=0), interval)
        return _bounded(walls, c, count, until, frozenset())
    return run


def business_day(k: int, *, h: int = 9, m: int = 0, holidays: frozenset[date] = frozenset(),
                 months: Iterable[int] | None = None, weekdays: Iterable[int] = WEEKDAYS) -> Expect:  # fmt: skip
    """The k-th (k < 0: from the end) working day of each month, holidays not counted."""
    wanted = set(months) if months else set(range(1, 13))
    working = set(weekdays)

    def walls(c: Ctx) -> Iterator[datetime]:
        y, mo = c.now.year, c.now.month
        for _ in range(60):
            if mo in wanted:
                days = [date(y, mo, d) for d in range(1, 32) if _exists(y, mo, d)]
                ok = [d for d in days if d.weekday() in working and d not in holidays]
                pick = ok[k - 1] if k > 0 else ok[k]
                yield datetime(pick.year, pick.month, pick.day, h, m)
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)

    return lambda c: from_walls(walls(c), c)


def yearly(month: int, day: int | None = None, h: int = 9, m: int = 0, *,
           weekday: rweekday | None = None, count: int | None = None, until: datetime | None = None) -> Expect:  # fmt: skip
    def run(c: Ctx) -> list[str]:
        walls = rrule(YEARLY, bymonth=month, bymonthday=day, byweekday=weekday, byhour=h, byminute=m,
                      bysecond=0, dtstart=midnight(c))  # fmt: skip
        return _bounded(walls, c, count, until, frozenset())
    return run


def every_n_days(n: int, h: int = 9, m: int = 0, *, count: int | None = None, until: datetime | None = None) -> Expect:
    """"every N days": from the next h:m (today counts while ahead), then every N days."""
    def run(c: Ctx) -> list[str]:
        first = _first_after(rrule(DAILY, byhour=h, byminute=m, bysecond=0, dtstart=midnight(c)), c)
        return _bounded(rrule(DAILY, interval=n, dtstart=first), c, count, until, frozenset())
    return run


# ---- one-offs --------------------------------------------------------------------------

def once(*args: int) -> Expect:
    """A wall time: once(y, mo, d, h, mi)."""
    wall = datetime(*args)  # type: ignore[arg-type]
    return lambda c: [iso(instant(wall, c.tz))]


def after(**delta: float) -> Expect:
    """An elapsed one-off (seconds, minutes, hours): real time from now."""
    step = timedelta(**delta)
    return lambda c: [iso((c.now_at.astimezone(UTC) + step).astimezone(c.zone))]


def days_later(n: int, h: int | None = None, m: int = 0) -> Expect:
    """A calendar one-off: n days from today at h:m (default: now's wall time)."""
    def run(c: Ctx) -> list[str]:
        wall = c.now + timedelta(days=n)
        if h is not None:
            wall = wall.replace(hour=h, minute=m)
        return [iso(instant(wall, c.tz))]
    return run


def next_weekday(day: int, h: int = 9, m: int = 0, *, following_week: bool = False) -> Expect:
    """The coming ``day`` (today counts while h:m is ahead); following_week: Monday-based next week."""
    def run(c: Ctx) -> list[str]:
        if following_week:
            monday = midnight(c) - timedelta(days=c.now.weekday()) + timedelta(days=7)
            wall = (monday + timedelta(days=day)).replace(hour=h, minute=m)
            return [iso(instant(wall, c.tz))]
        return from_walls(rrule(WEEKLY, byweekday=day, byhour=h, byminute=m, bysecond=0, dtstart=midnight(c)), c, 1)
    return run


def time_today_or_tomorrow(h: int, m: int = 0) -> Expect:
    return lambda c: from_walls(rrule(DAILY, byhour=h, byminute=m, bysecond=0, dtstart=midnight(c)), c, 1)


# ---- elapsed schedules ---------------------------------------------------------------------

def every(count: int | None = None, **delta: float) -> Expect:
    """An interval anchored at now: now + k*step in real time."""
    step = timedelta(**delta)
    total = 3 if count is None else min(3, count)

    def run(c: Ctx) -> list[str]:
        start = c.now_at.astimezone(UTC)
        return [iso((start + step * k).astimezone(c.zone)) for k in range(1, total + 1)]
    return run


def clock(hours: Iterable[int] | None = None, minutes: Iterable[int] = (0,), days: Iterable[int] | None = None,
          *, window: tuple[tuple[int, int], tuple[int, int]] | None = None, step: int | None = None,
          n: int = 3) -> Expect:  # fmt: skip
    """Every real instant whose local wall clock matches (elapsed semantics through the hours).

    ``window=((h1, m1), (h2, m2))`` with ``step`` minutes: clock-aligned times from h1:m1 to h2:m2
    inclusive; a window that ends before it starts runs past midnight and belongs to the day it
    starts (``days`` filters that day)."""
    hour_set = set(hours) if hours is not None else None
    minute_set = set(minutes)
    day_set = set(days) if days is not None else None

    def in_window(local: datetime) -> bool:
        assert window is not None and step is not None
        (h1, m1), (h2, m2) = window
        start, end, t = h1 * 60 + m1, h2 * 60 + m2, local.hour * 60 + local.minute
        if end >= start:  # same day
            if not start <= t <= end or (t - start) % step:
                return False
            owner = local
        else:  # past midnight: the hours after midnight belong to the day the window starts
            if start <= t:
                offset, owner = t - start, local
            elif t <= end:
                offset, owner = t + 1440 - start, local - timedelta(days=1)
            else:
                return False
            if offset % step:
                return False
        return day_set is None or owner.weekday() in day_set

    def matches(local: datetime) -> bool:
        if window is not None:
            return in_window(local)
        if hour_set is not None and local.hour not in hour_set:
            return False
        if local.minute not in minute_set:
            return False
        return day_set is None or local.weekday() in day_set

    def run(c: Ctx) -> list[str]:
        t = c.now_at.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        out: list[str] = []
        for _ in range(60 * 24 * 40):
            local = t.astimezone(c.zone)
            if matches(local.replace(tzinfo=None)):
                out.append(iso(local))
                if len(out) == n:
                    break
            t += timedelta(minutes=1)
        return out
    return run


# ---- helpers ---------------------------------------------------------------------------------

def _exists(y: int, mo: int, d: int) -> bool:
    try:
        date(y, mo, d)
    except ValueError:
        return False
    return True


def _first_after(walls: Iterable[datetime], c: Ctx) -> datetime:
    now_utc = c.now_at.astimezone(UTC)
    for wall in walls:
        if instant(wall, c.tz).astimezone(UTC) > now_utc:
            return wall
    raise ValueError("rule never fires")


def _bounded(walls: Iterable[datetime], c: Ctx, count: int | None, until: datetime | None,
             skip: frozenset[date]) -> list[str]:  # fmt: skip
    """Counts cap the fires after now (the rule starts at its first fire after now); ``until`` is
    an inclusive wall-time end."""
    limited = walls if until is None else takewhile(lambda w: w <= until, walls)
    fires = from_walls(limited, c, n=count if count is not None else 3, skip=skip)
    return fires[:3]


def nth(n: int, day: int) -> rweekday:
    return rweekday(day, n)
