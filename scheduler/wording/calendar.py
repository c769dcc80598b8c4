"""Calendar words: a :class:`~scheduler.recurrence.Plan` as people say it ("every other Tuesday at
17:00", "on the last weekday of every month at 09:00, 3 times"), and the pieces such sentences
are made of (ordinals, lists, wall times and days).

The time-phrase parser describes what it understood with these, and ``wording.schedule``
describes a stored task with them, so both say the same thing the same way.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise

from scheduler.recurrence import ALL_DAYS, Plan

from .measures import repeat_text

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_ORD = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    -1: "last",
    -2: "second-to-last",
}
_DAY = timedelta(days=1)


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
    """'Tue 8 Dec 2026'."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def when_text(dt: datetime) -> str:
    """A wall time inside a sentence: 'Tue 8 Dec 2026 at 17:00'."""
    return f"{day_text(dt.date())} at {hhmm(dt.time())}"


def every(n: int, unit: str) -> str:
    if n == 1:
        return f"every {unit}"
    if n == 2:
        return f"every other {unit}"
    return f"every {n} {unit}s"


def _weekdays(days: set[int]) -> str:
    if set(days) == {0, 1, 2, 3, 4}:
        return "weekday"
    if set(days) == {5, 6}:
        return "Saturday and Sunday"
    return join([WEEKDAY_NAMES[d] for d in sorted(days)])


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _steps(times: list[time]) -> set[int]:
    return {_seconds(b) - _seconds(a) for a, b in pairwise(sorted(set(times)))}


def plain_times(times: list[time]) -> bool:
    """Whether a day's times can be said plainly: a few of them, or evenly spaced."""
    return len(set(times)) <= 6 or len(_steps(times)) == 1


def _times(times: list[time]) -> str:
    times = sorted(set(times))
    if len(times) > 6:
        steps = _steps(times)
        if len(steps) == 1:
            step = steps.pop()
            first, last = _seconds(times[0]), _seconds(times[-1])
            if last + step == first + 86400:  # the whole day round
                if first == 0:
                    return repeat_text(step)
                if step == 3600 and first < 3600:
                    return f"every hour at :{hhmm(times[0])[3:]}"
            return f"{repeat_text(step)} from {hhmm(times[0])} to {hhmm(times[-1])}"
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
    quarters = sorted(plan.months) in ([1, 4, 7, 10], [3, 6, 9, 12])
    if quarters and plan.unit == "month" and n == 1 and core.endswith("of every month"):
        core = core.removesuffix("month") + "quarter"  # "on the 1st of every quarter"
    elif plan.months and plan.unit != "year":
        core += " " + months_text(plan.months)
    times = _times(plan.times)
    if times.startswith("at "):
        return f"{core} {times}"
    return times if core == "every day" else f"{times}, {core}"


def months_text(months: list[int]) -> str:
    if len(months) >= 7:
        rest = sorted(set(range(1, 13)) - set(months))
        return "except in " + join([MONTH_NAMES[m - 1] for m in rest])
    return "in " + join([MONTH_NAMES[m - 1] for m in sorted(months)])


def _nth_weekdays(nth: list[tuple[int, int]]) -> str:
    return join([f"{_ORD.get(k, ordinal(k))} {WEEKDAY_NAMES[wd]}" for k, wd in nth])


def _month_text(plan: Plan, n: int, days: set[int]) -> str:
    scope = every(n, "month")
    if plan.nth:
        return f"on the {_nth_weekdays(plan.nth)} of {scope}"
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
        return f"{scope} on the {_nth_weekdays(plan.nth)} of {months}"
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
    """Start, end, count and excluded days: 'starting Mon 3 Aug 2026, 5 times'."""
    parts = []
    if plan.start:
        parts.append(f"starting {day_text(plan.start.date())}")
    if plan.until:
        if plan.until.time() == time(0):
            parts.append(f"until {day_text((plan.until - _DAY).date())}")
        else:
            parts.append(f"until {when_text(plan.until)}")
    if plan.count:
        parts.append(
            "once" if plan.count == 1 else "twice" if plan.count == 2 else f"{plan.count} times"
        )
    if plan.exdates:
        parts.append("except " + join([day_text(d) for d in sorted(plan.exdates)]))
    return ", ".join(parts)


def calendar_text(plan: Plan) -> str:
    """A whole plan: its repetition and times, then its bounds."""
    bounds = bounds_text(plan)
    return plan_text(plan) + (f", {bounds}" if bounds else "")
