"""Turning the pieces of a repeating phrase into a :class:`~.rules.Plan`: merging repetitions,
placing days, defaults (09:00, today's weekday for "weekly"), exceptions, start and end.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest

from . import lexicon
from .days import DaySpec, resolve
from .modifiers import Bound, Except
from .pattern import Recur
from .rules import ALL_DAYS, Plan


def merge(recurs: list[Recur]) -> Recur:
    out = Recur()
    order = ["second", "minute", "hour", "day", "week", "month", "year"]
    for r in recurs:
        if r.unit is not None:
            if out.unit is None or (
                (r.interval > 1
                and out.interval == 1)
                or (r.unit in ("second", "minute", "hour")
                and out.unit not in ("second", "minute", "hour"))
            ):
                out.unit, out.interval, out.step_seconds = r.unit, r.interval, r.step_seconds
            elif (
                out.interval == 1
                and r.interval == 1
                and out.unit not in ("second", "minute", "hour")
            ):
                out.unit = max(out.unit, r.unit, key=order.index)
        out.weekdays |= r.weekdays
        out.nth += r.nth
        out.monthdays += r.monthdays
        out.months += r.months
        out.dates += r.dates
        out.yeardays += r.yeardays
        out.setpos += r.setpos
        out.period = out.period or r.period
        out.per_unit = out.per_unit or r.per_unit
        out.quarter = out.quarter or r.quarter
        out.holidays = out.holidays if out.holidays is not None else r.holidays
    return out


def quarter_months(rec: Recur) -> list[int]:
    """Calendar quarters: a position from the start names its first month (Jan, Apr, Jul, Oct),
    one from the end its last (Mar, Jun, Sep, Dec)."""
    positions = rec.monthdays + [n for n, _ in rec.nth] + rec.setpos
    if positions and all(p < 0 for p in positions):
        return [3, 6, 9, 12]
    if any(p < 0 for p in positions):
        raise InvalidRequest(
            "That counts from both ends of the quarter; ask for the start and the end separately."
        )
    return [1, 4, 7, 10]


def apply_day(rec: Recur, spec: DaySpec, starts: list[DaySpec]) -> None:
    if spec.kind == "weekday" and spec.mode == "coming":
        rec.weekdays.add(spec.weekday or 0)
    elif spec.kind == "monthday" and spec.weekday is None:
        rec.monthdays.append(spec.day or 1)
    elif spec.kind == "date" and spec.year is None and spec.weekday is None:
        rec.dates.append((spec.month or 1, spec.day or 1))
    elif spec.kind == "nth" and spec.month is None and spec.offset == 0 and spec.year is None:
        rec.nth.append((spec.nth or 1, spec.weekday or 0))
    elif spec.kind == "nth" and spec.year is None and spec.month is not None:
        rec.nth.append((spec.nth or 1, spec.weekday or 0))
        rec.months.append(spec.month)
    elif spec.kind == "yearday" and spec.year is None:
        n = spec.day or 1
        if rec.unit == "week" and 1 <= n <= 7:
            rec.weekdays.add((n - 2) % 7)  # kvh/recurrent counts the week from Sunday
        elif rec.unit == "month":
            rec.monthdays.append(n)
        else:
            rec.yeardays.append(n)
    else:
        starts.append(spec)


def make_plan(rec: Recur, now_wall: datetime, times: list[time], period: str | None) -> Plan:
    if rec.quarter and not rec.months and (rec.monthdays or rec.nth or rec.setpos):
        rec.months = quarter_months(rec)
        if rec.unit == "month" and rec.interval == 3:
            rec.interval = 1
    unit = rec.unit
    if unit is None:
        if rec.dates or rec.yeardays or (rec.nth and rec.months):
            unit = "year"
        elif rec.nth or rec.monthdays or rec.setpos:
            unit = "month"
        elif rec.weekdays:
            unit = "week"
        else:
            unit = "day"
    if unit == "year" and rec.monthdays and not rec.months and not rec.dates:
        rec.yeardays += rec.monthdays
        rec.monthdays = []
    if rec.dates and rec.unit in ("day", "week", "month") and not rec.weekdays:
        # "every day 9-17", "every day 25/12": not "every year on 17 September"
        raise InvalidRequest(
            f"That says every {rec.unit} and names a date of the year; say one of them, e.g. "
            f"'every {rec.unit} at 9am' or 'every year on 25 December'."
        )
    if rec.dates and unit in ("day", "week", "month"):
        unit = "year"
    if unit == "day" and rec.weekdays and rec.interval == 1:
        unit = "week"
    if unit == "day" and rec.weekdays and rec.interval % 7 == 0:
        unit, rec.interval = "week", rec.interval // 7  # "every 14 days on Thursday"
    if rec.weeknos and unit in ("day", "week"):
        unit = "year"
    plan = Plan(unit=unit, interval=rec.interval, weekdays=set(rec.weekdays), nth=list(rec.nth),
                monthdays=list(dict.fromkeys(rec.monthdays)), months=sorted(set(rec.months)),
                dates=list(dict.fromkeys(rec.dates)), yeardays=list(rec.yeardays),
                weeknos=list(rec.weeknos), setpos=list(rec.setpos))  # fmt: skip
    today = now_wall.date()
    check_per_unit(rec, plan, times)
    if (
        plan.weekdays
        and (plan.dates or (plan.monthdays and not rec.setpos))
        and set(plan.weekdays) != ALL_DAYS
    ):
        raise InvalidRequest(
            "That names both weekdays and dates of the month; I'd only run when they coincide. "
            "Say one of them, e.g. 'every Monday' or 'on the 15th of every month'."
        )
    if unit == "week" and not plan.weekdays and not plan.weeknos:
        plan.weekdays = {today.weekday()}
    if unit == "month" and not (plan.monthdays or plan.nth or plan.weekdays):
        plan.monthdays = [today.day]
    if unit == "year" and not (
        plan.dates or plan.nth or plan.yeardays or plan.monthdays or plan.weeknos
    ):
        if plan.months:
            plan.monthdays = [1]
        else:
            plan.dates = [(today.month, today.day)]
    if not times:
        times = [lexicon.PERIOD_TIMES[period] if period else lexicon.DEFAULT_TIME]
    plan.times = sorted(set(times))
    return plan


def check_per_unit(rec: Recur, plan: Plan, times: list[time]) -> None:
    """'twice a day at 9 and 17' must name as many times (days, for weeks and months) as it says."""
    n = rec.per_unit
    if not n or n == 1:
        return
    if rec.unit == "day":
        named = len(set(times))
    elif rec.unit == "week":
        named = len(plan.weekdays) * max(1, len(set(times)))
    elif rec.unit == "month":
        named = (len(plan.monthdays) + len(plan.nth)) * max(1, len(set(times)))
    else:
        named = (len(plan.dates) + len(plan.nth)) * max(1, len(set(times)))
    if named == 0:
        raise InvalidRequest(per_unit_hint(rec))
    if named != n:
        raise InvalidRequest(
            f"That says {n} times a {rec.unit} but names {named}. {per_unit_hint(rec)}"
        )


def per_unit_hint(rec: Recur) -> str:
    n = {2: "twice", 3: "three times"}.get(rec.per_unit or 0, f"{rec.per_unit} times")
    if rec.unit == "day":
        return f"Say which times, e.g. '{n} a day at 9am and 5pm'."
    if rec.unit == "week":
        return f"Say which days, e.g. 'every Monday and Thursday' for {n} a week."
    if rec.unit == "month":
        return f"Say which days, e.g. 'on the 1st and 15th of every month' for {n} a month."
    return f"Say exactly when, e.g. 'every year on March 1 and September 1' for {n} a year."


def apply_excepts(plan: Plan, excepts: list[Except], now_wall: datetime) -> None:
    for exc in excepts:
        if exc.weekdays:
            base = set(plan.weekdays) if plan.weekdays else set(ALL_DAYS)
            plan.weekdays = base - exc.weekdays
            if plan.unit == "day":
                plan.unit = "week" if plan.interval == 1 else "day"
            if not plan.weekdays:
                raise InvalidRequest(f"'{exc.text}' leaves no day at all.")
        if exc.months:
            base_m = set(plan.months) if plan.months else set(range(1, 13))
            plan.months = sorted(base_m - exc.months)
            if not plan.months:
                raise InvalidRequest(f"'{exc.text}' leaves no month at all.")
        for spec in exc.days:
            plan.exdates.append(
                resolve(spec, now_wall, time(0))
                if spec.is_specific or spec.kind in ("date", "offset")
                else _bad_except(exc)
            )


def _bad_except(exc: Except) -> date:
    raise InvalidRequest(f"I can't read which days '{exc.text}' leaves out.")


def _month_start_after(
    month: int, year: int | None, ref: datetime, *, allow_current: bool
) -> datetime:
    if year is not None:
        return datetime(year, month, 1)
    y = ref.year
    if month < ref.month or (month == ref.month and not allow_current):
        y += 1
    return datetime(y, month, 1)


def start_of(bound: Bound, now_wall: datetime) -> datetime:
    if bound.month is not None:
        return _month_start_after(bound.month, bound.year, now_wall, allow_current=True)
    if bound.delta is not None:
        return now_wall + bound.delta.calendar_step() + bound.delta.elapsed
    if bound.day is not None:
        return datetime.combine(resolve(bound.day, now_wall, time(0)), time(0))
    return now_wall


def until_of(bound: Bound, ref: datetime, now: datetime, zone: ZoneInfo) -> datetime:
    if bound.month is not None:
        return _month_start_after(bound.month, bound.year, ref, allow_current=False)
    if bound.delta is not None:
        return bound.delta.apply(now, zone).astimezone(zone).replace(tzinfo=None)
    if bound.day is not None:
        spec = bound.day
        d = resolve(spec, ref, time(23, 59, 59))
        if spec.kind in ("month_start", "week", "year_start") and spec.day is None:
            return datetime.combine(d, time(0))
        return datetime.combine(d + timedelta(days=1), time(0))
    if bound.time is not None:
        at = bound.time.resolve()
        wall = datetime.combine(ref.date(), at)
        if wall <= ref:
            wall += timedelta(days=1)
        return wall + timedelta(seconds=1)
    raise InvalidRequest(f"I couldn't read the end '{bound.text}'.")
