"""Repetitions within the day: fixed elapsed intervals ("every 20 minutes", anchored at now or
at a named start) and, when limited to some days or hours ("every 15 minutes between 9 and 17
on weekdays"), a calendar rule listing the times of day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest
from scheduler.triggers import IntervalTrigger, OnceTrigger, Trigger, localtime
from scheduler.wording.calendar import bounds_text, plan_text, when_text
from scheduler.wording.measures import repeat_text

from .days import DaySpec
from .dstnotes import dst_notes
from .modifiers import Bound, Count, Except, Window
from .pattern import Recur
from .planning import apply_day, apply_excepts, make_plan, start_of, until_of
from .rules import Plan, compile_plan
from .scan import Scan
from .schedule import Schedule

SUB_SECONDS = {"second": 1, "minute": 60, "hour": 3600}
MAX_EXPANDED_FIRES = 500


def sub_daily(
    sc: Scan,
    rec: Recur,
    zone: ZoneInfo,
    now: datetime,
    times: list[time],
    start_bounds: list[Bound],
    until_bounds: list[Bound],
    counts: list[Count],
    excepts: list[Except],
    windows: list[Window],
    start_time: time | None,
) -> Schedule:
    assert rec.unit is not None  # the caller chose sub_daily for this unit (in SUB_SECONDS)
    step = timedelta(seconds=rec.step_seconds or rec.interval * SUB_SECONDS[rec.unit])
    now_wall = now.astimezone(zone).replace(tzinfo=None)
    marks = sorted({m for p in sc.of("minutes") for m in p.value})
    if marks and (step.total_seconds() % 3600 or step > timedelta(hours=12)):
        raise InvalidRequest("Minutes past the hour go with 'every hour' or 'every 2 hours', "
                             "e.g. 'every hour at :20 and :50'.")
    filtered = bool(rec.weekdays or rec.monthdays or rec.nth or rec.dates or rec.months or windows or excepts
                    or sc.of("day") or sc.of("days") or rec.weeknos or marks)  # fmt: skip
    if times and not filtered and start_time is None and len(times) == 1:
        start_time, times = times[0], []
    if not filtered:
        return _interval(sc, step, zone, now, start_bounds, until_bounds, counts, start_time)
    window = windows[0] if windows else None
    lo = window.start.resolve() if window else time(0)
    hi = window.end.resolve() if window else time(23, 59, 59)
    if window is None and step <= timedelta(days=1) and (86400 % step.total_seconds()) == 0:
        # "every 30 minutes on weekdays": on the clock (:00, :30), as cron would say it
        anchor = start_time or (times[0] if times else time(0))
        offset = (anchor.hour * 3600 + anchor.minute * 60 + anchor.second) % step.total_seconds()
        lo = (datetime.min + timedelta(seconds=offset)).time()
    if marks and window is None:
        lo = time(0)
    if window and hi == lo:
        raise InvalidRequest(f"'{window.text}' starts and ends at the same time.")
    expanded, next_day = _day_times(lo, hi, step, marks)
    rec2 = Recur(unit="day", interval=1, weekdays=rec.weekdays, nth=rec.nth, monthdays=rec.monthdays,
                 months=rec.months, dates=rec.dates, weeknos=rec.weeknos)  # fmt: skip
    starts: list[DaySpec] = []
    for p in sc.of("day"):
        apply_day(rec2, p.value, starts)
    for p in sc.of("days"):
        rec2.weekdays |= set(p.value)
    if starts:
        raise InvalidRequest("I can't combine a one-off day with a repetition within the day.")
    plan = make_plan(rec2, now_wall, expanded, None)
    apply_excepts(plan, excepts, now_wall)
    plan.start = (
        start_of(start_bounds[0], now_wall) if start_bounds and start_time is None else None
    )
    plan.until = until_of(until_bounds[0], now_wall, now, zone) if until_bounds else None
    plan.count = counts[0].n if counts else None
    triggers = compile_plan(plan, zone, now)
    if next_day:
        triggers += compile_plan(_after_midnight(plan, next_day, window), zone, now)
    desc = plan_text(plan)
    if next_day:
        desc += f", then at {', '.join(f'{t:%H:%M}' for t in sorted(next_day))} after midnight"
    bounds = bounds_text(plan)
    desc = f"{desc}, {bounds}, {zone.key}" if bounds else f"{desc}, {zone.key}"
    return Schedule("recurring", desc, triggers, dst_notes(triggers, zone, now, times=plan.times + next_day))


def _day_times(lo: time, hi: time, step: timedelta, marks: list[int]) -> tuple[list[time], list[time]]:
    """Times of day from ``lo`` to ``hi`` by ``step`` (or at ``marks`` past each stepped hour);
    a window that ends before it starts runs past midnight: its later times come second."""
    base = datetime.combine(date.min, lo)
    end = datetime.combine(date.min, hi)
    if end < base:
        end += timedelta(days=1)
    elif marks and hi == time(23, 59, 59):
        end = base + timedelta(days=1) - timedelta(seconds=1)
    same: list[time] = []
    nxt: list[time] = []
    cursor = base.replace(minute=0, second=0) if marks else base
    while cursor <= end:
        stamps = [cursor.replace(minute=m) for m in marks] if marks else [cursor]
        for at in stamps:
            if base <= at <= end:
                (same if at.date() == date.min else nxt).append(at.time())
        cursor += step
        if len(same) + len(nxt) > 24 * 60:
            raise InvalidRequest(
                "That repeats too often within a day to limit by days; use a step of a minute or more."
            )
    return same, nxt


def _after_midnight(plan: Plan, times: list[time], window: object) -> Plan:
    """The part of a window past midnight: its times, on the day after each of the plan's days."""
    if plan.monthdays or plan.nth or plan.dates or plan.yeardays or plan.count or plan.exdates:
        raise InvalidRequest(
            f"'{getattr(window, 'text', '')}' runs past midnight; I can only do that for every day "
            f"or for weekdays. Split it into two schedules."
        )
    days = {(d + 1) % 7 for d in plan.weekdays}
    return replace(plan, times=sorted(times), weekdays=days)


def _interval(
    sc: Scan,
    step: timedelta,
    zone: ZoneInfo,
    now: datetime,
    start_bounds: list[Bound],
    until_bounds: list[Bound],
    counts: list[Count],
    start_time: time | None,
) -> Schedule:
    if step < timedelta(seconds=1):
        raise InvalidRequest("An interval must be at least 1 second.")
    now_wall = now.astimezone(zone).replace(tzinfo=None)
    first = now + step
    desc_start = ""
    if start_time is not None or (start_bounds and start_bounds[0].text):
        if start_time is not None:
            wall = datetime.combine(now_wall.date(), start_time)
            if wall <= now_wall:
                wall += timedelta(days=1)
        else:
            wall = start_of(start_bounds[0], now_wall)
        first = localtime.resolve(wall, zone)
        if first <= now:
            first = now + step
        desc_start = f" from {when_text(first.astimezone(zone).replace(tzinfo=None))}"
    until = None
    if until_bounds:
        until = localtime.resolve(until_of(until_bounds[0], now_wall, now, zone), zone)
    count = counts[0].n if counts else None
    desc = repeat_text(step) + desc_start
    if until is None and count is None:
        trigger: Trigger = IntervalTrigger(every=step, anchor_at=first - step)
        return Schedule("interval", f"{desc}, {zone.key}", [trigger])
    fires: list[OnceTrigger] = []
    at = first
    while (until is None or at < until) and (count is None or len(fires) < count):
        if len(fires) >= MAX_EXPANDED_FIRES:
            raise InvalidRequest(
                f"That would be more than {MAX_EXPANDED_FIRES} runs; shorten the end or use a count."
            )
        fires.append(OnceTrigger(at=at))
        at += step
    if not fires:
        raise InvalidRequest("That schedule would never fire after now. Check its end.")
    n = len(fires)
    desc += f", {n} time{'s' if n != 1 else ''} (last {when_text(fires[-1].at.astimezone(zone).replace(tzinfo=None))})"
    return Schedule("interval", f"{desc}, {zone.key}", list(fires))
