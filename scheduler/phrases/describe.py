"""Short human descriptions of schedules ("every other Tuesday at 17:00, Europe/Berlin") and DST
notes ("02:30 doesn't exist on Sun 29 Mar 2026 in Europe/Berlin; that run happens at 03:00").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from scheduler.triggers import Trigger, iter_fires, localtime

from .lexicon import MONTH_NAMES, WEEKDAY_NAMES
from .rules import ALL_DAYS, Plan

_ORD = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    -1: "last",
    -2: "second-to-last",
}


def ordinal(n: int) -> str:
    if n < 0:
        return "last" if n == -1 else f"{ordinal(-n)}-to-last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def hhmm(t: time) -> str:
    return f"{t:%H:%M:%S}" if t.second else f"{t:%H:%M}"


def day_text(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def when_text(dt: datetime) -> str:
    return f"{day_text(dt.date())} at {hhmm(dt.time())}"


def every(n: int, unit: str) -> str:
    if n == 1:
        return f"every {unit}"
    if n == 2:
        return f"every other {unit}"
    return f"every {n} {unit}s"


def duration_text(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"every {unit}" if n == 1 else f"every {n} {unit}s"
    if seconds >= 60 and seconds % 60 == 0:
        return f"every {int(seconds // 60)} minutes"
    n = int(seconds)
    return "every second" if n == 1 else f"every {n} seconds"


def _weekdays(days: set[int]) -> str:
    if set(days) == {0, 1, 2, 3, 4}:
        return "weekday"
    if set(days) == {5, 6}:
        return "Saturday and Sunday"
    return join([WEEKDAY_NAMES[d] for d in sorted(days)])


def _times(times: list[time]) -> str:
    times = sorted(set(times))
    if len(times) > 6:
        steps = {
            (datetime.combine(date.min, b) - datetime.combine(date.min, a))
            for a, b in pairwise(times)
        }
        if len(steps) == 1:
            step = steps.pop().total_seconds()
            return f"{duration_text(step)} from {hhmm(times[0])} to {hhmm(times[-1])}"
        return f"at {len(times)} times a day ({hhmm(times[0])} to {hhmm(times[-1])})"
    return "at " + join([hhmm(t) for t in times])


def plan_text(plan: Plan) -> str:
    """The repetition and times of a plan, without zone, start or end."""
    n = plan.interval
    days = set(plan.weekdays)
    if plan.setpos and days:
        pos = join([ordinal(p) if p > 0 else _ORD.get(p, ordinal(p)) for p in plan.setpos])
        what = "weekday" if days == {0, 1, 2, 3, 4} else _weekdays(days)
        core = f"on the {pos} {what} of {every(n, 'month')}"
    elif plan.unit == "day" and not days:
        core = every(n, "day")
    elif plan.unit in ("day", "week") and days:
        if days == ALL_DAYS:
            core = every(n, "day")
        elif n == 1:
            core = f"every {_weekdays(days)}"
        elif n == 2 and len(days) == 1:
            core = f"every other {_weekdays(days)}"
        else:
            core = f"{every(n, 'week')} on {_weekdays(days)}"
    elif plan.unit == "month":
        core = _month_text(plan, n, days)
    elif plan.unit == "year":
        core = _year_text(plan, n)
    else:
        core = every(n, plan.unit)
    if plan.months and plan.unit != "year":
        core += " " + months_text(plan.months)
    times = _times(plan.times)
    if not times.startswith("at "):
        return f"{times}, {core}"
    return f"{core} {times}"


def months_text(months: list[int]) -> str:
    if len(months) >= 7:
        rest = sorted(set(range(1, 13)) - set(months))
        return "except in " + join([MONTH_NAMES[m - 1] for m in rest])
    return "in " + join([MONTH_NAMES[m - 1] for m in sorted(months)])


def _month_text(plan: Plan, n: int, days: set[int]) -> str:
    scope = every(n, "month")
    if plan.nth:
        return f"on the {join([f'{_ORD.get(k, ordinal(k))} {WEEKDAY_NAMES[wd]}' for k, wd in plan.nth])} of {scope}"
    if plan.monthdays:
        named = [("last day" if d == -1 else f"{_ORD.get(d, ordinal(d))} day" if d < 0 else ordinal(d))
                 for d in plan.monthdays]  # fmt: skip
        return f"on the {join(named)} of {scope}"
    if days:
        return f"every {_weekdays(days)} of {scope}"
    return scope


def _year_text(plan: Plan, n: int) -> str:
    scope = every(n, "year")
    if plan.dates:
        return f"{scope} on " + join([f"{d} {MONTH_NAMES[m - 1]}" for m, d in sorted(plan.dates)])
    if plan.nth and plan.months:
        months = join([MONTH_NAMES[m - 1] for m in plan.months])
        return f"{scope} on the {join([f'{_ORD.get(k, ordinal(k))} {WEEKDAY_NAMES[wd]}' for k, wd in plan.nth])} of {months}"
    if plan.months and plan.monthdays:
        return f"{scope} on " + join(
            [f"{d} {MONTH_NAMES[m - 1]}" for m in plan.months for d in plan.monthdays]
        )
    if plan.yeardays:
        return f"{scope} on day " + join([str(d) for d in plan.yeardays]) + " of the year"
    if plan.weeknos:
        what = f"on {_weekdays(set(plan.weekdays))}" if plan.weekdays else "every day"
        return f"{scope}, {what} in week " + join([str(w) for w in plan.weeknos])
    return scope


def bounds_text(plan: Plan) -> str:
    parts = []
    if plan.start:
        parts.append(f"starting {day_text(plan.start.date())}")
    if plan.until:
        if plan.until.time() == time(0):
            parts.append(f"until {day_text((plan.until - timedelta(days=1)).date())}")
        else:
            parts.append(f"until {when_text(plan.until)}")
    if plan.count:
        parts.append(
            "once" if plan.count == 1 else "twice" if plan.count == 2 else f"{plan.count} times"
        )
    if plan.exdates:
        parts.append("except " + join([day_text(d) for d in sorted(plan.exdates)]))
    return ", ".join(parts)


def dst_notes(
    triggers: list[Trigger], zone: ZoneInfo, now: datetime, *, days: int = 366,
    times: list[time] | None = None,
) -> tuple[str, ...]:  # fmt: skip
    """Notes for fires in the next ``days`` whose wall time is skipped or repeated by DST.

    ``times`` (the schedule's times of day, when known) skips changes no run can touch.
    """
    notes: list[str] = []
    horizon = now + timedelta(days=days)
    for change in _changes(zone, now.year) + _changes(zone, now.year + 1):
        if not now < change <= horizon:
            continue
        before = (change - timedelta(seconds=1)).astimezone(zone)
        after = change.astimezone(zone)
        lo = min(before.replace(tzinfo=None), after.replace(tzinfo=None))
        hi = max(before.replace(tzinfo=None), after.replace(tzinfo=None)) + timedelta(seconds=1)
        if times is not None and not any(lo <= datetime.combine(lo.date(), t) < hi for t in times):
            continue
        for fire in iter_fires(
            triggers, change - timedelta(hours=3), zone, until=change + timedelta(hours=3)
        ):
            wall = fire.astimezone(zone)
            intended = _intended_wall(triggers, wall, zone)
            if intended is not None and not localtime.exists(intended, zone):
                notes.append(
                    f"{hhmm(intended.time())} doesn't exist on {day_text(intended.date())} in {zone.key} "
                    f"(clocks go forward); that run happens at {hhmm(wall.time())}."
                )
            elif localtime.is_repeated(wall.replace(tzinfo=None), zone) and _fixed_time(triggers):
                notes.append(
                    f"{hhmm(wall.time())} happens twice on {day_text(wall.date())} in {zone.key} "
                    f"(clocks go back); it runs once, at the first."
                )
            if len(notes) >= 2:
                return tuple(notes)
    return tuple(notes)


def _fixed_time(triggers: list[Trigger]) -> bool:
    return all(
        t.kind in ("once", "rrule") or (t.kind == "cron" and "*" not in t.expression.split()[-4])
        for t in triggers
    )


def _intended_wall(triggers: list[Trigger], fire: datetime, zone: ZoneInfo) -> datetime | None:
    """For a fire right after a gap, the skipped wall time it stands in for (if any)."""
    wall = fire.replace(tzinfo=None)
    before = (fire - timedelta(seconds=1)).astimezone(zone)
    if before.utcoffset() == fire.utcoffset():
        return None
    gap = fire.utcoffset() - before.utcoffset()  # type: ignore[operator]
    if gap <= timedelta(0):
        return None
    for t in triggers:
        if t.kind == "rrule":
            from dateutil.rrule import rrulestr

            rule = rrulestr(t.rule, dtstart=t.start)
            cand = rule.after(wall - gap - timedelta(seconds=1), inc=True)
            if cand is not None and cand < wall and not localtime.exists(cand, zone):
                return cand
        if t.kind == "cron" and not t.expression.split()[-4].startswith("*"):
            from croniter import croniter

            base = (wall - gap - timedelta(seconds=1)).replace(tzinfo=None)
            it = croniter(_croniter_form(t.expression), base)
            cand = it.get_next(datetime)
            if cand < wall and not localtime.exists(cand, zone):
                return cand
    return None


def _croniter_form(expression: str) -> str:
    fields = expression.split(" ")
    return " ".join(fields[1:] + fields[:1]) if len(fields) == 6 else expression


@lru_cache(maxsize=1024)
def _changes(zone: ZoneInfo, year: int) -> list[datetime]:
    """UTC instants (to the second) where ``zone``'s offset changes during ``year``."""
    out = []
    cursor = datetime(year, 1, 1, tzinfo=UTC)
    prev = cursor.astimezone(zone).utcoffset()
    step = timedelta(hours=12)
    while cursor.year == year:
        nxt = cursor + step
        off = nxt.astimezone(zone).utcoffset()
        if off != prev:
            out.append(localtime.transition(cursor, nxt, zone))
            prev = off
        cursor = nxt
    return out
