"""A recurring schedule as one plan, and the triggers that run it.

A :class:`~scheduler.recurrence.Plan` is the merged, normalized repetition of a phrase (unit, interval, BY-parts,
times, start/end/count). :func:`compile_plan` turns it into cron triggers when cron can say it
exactly, RFC 5545 rules otherwise (intervals > 1, nth weekdays, last days, counts, ends), with
DTSTART at the first fire so that "every other X" starts at the next X.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from scheduler.errors import InvalidRequest
from scheduler.recurrence import ALL_DAYS, FREQ, RRULE_DAYS, Plan
from scheduler.triggers import CronTrigger, RRuleTrigger, Trigger, localtime


def _compress(values: list[int]) -> str:
    """'1,2,3,5' -> '1-3,5'."""
    values = sorted(set(values))
    parts: list[str] = []
    for _, run in groupby(enumerate(values), key=lambda p: p[1] - p[0]):
        items = [v for _, v in run]
        if len(items) >= 3:
            parts.append(f"{items[0]}-{items[-1]}")
        else:
            parts.extend(str(v) for v in items)
    return ",".join(parts)


def _time_groups(
    times: list[time],
) -> list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]:
    """Times as (hours, minutes, seconds) cross products: few groups, each exact."""
    by_hour: dict[int, list[tuple[int, int]]] = {}
    for t in sorted(set(times)):
        by_hour.setdefault(t.hour, []).append((t.minute, t.second))
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for hour, pairs in by_hour.items():
        groups.setdefault(tuple(pairs), []).append(hour)
    out = []
    for ms, hours in groups.items():
        seconds = tuple(sorted({s for _, s in ms}))
        minutes = tuple(sorted({m for m, _ in ms}))
        if len(minutes) * len(seconds) == len(ms):  # a cross product: one group
            out.append((tuple(hours), minutes, seconds))
            continue
        by_second: dict[tuple[int, ...], list[int]] = {}
        for m in minutes:
            by_second.setdefault(tuple(s for mm, s in ms if mm == m), []).append(m)
        out.extend((tuple(hours), tuple(mins), secs) for secs, mins in by_second.items())
    return out


def _day_groups(plan: Plan) -> list[Plan]:
    """Split (month, day) pairs that are not a cross product into one plan each."""
    if not plan.dates:
        return [plan]
    months = sorted({m for m, _ in plan.dates})
    days = sorted({d for _, d in plan.dates})
    if len(plan.dates) == len(months) * len(days):
        return [replace(plan, dates=[], months=months, monthdays=days)]
    return [replace(plan, dates=[], months=[m], monthdays=[d]) for m, d in sorted(plan.dates)]


def cron_triggers(plan: Plan) -> list[Trigger] | None:
    """Cron expressions for ``plan``, or None when cron can't say it exactly."""
    if plan.interval != 1 or plan.nth or plan.setpos or plan.yeardays or plan.weeknos:
        return None
    if plan.start or plan.until or plan.count or plan.exdates:
        return None
    triggers: list[Trigger] = []
    for part in _day_groups(plan):
        if any(d < 1 for d in part.monthdays) or (part.weekdays and part.monthdays):
            return None
        dom = _compress(part.monthdays) if part.monthdays else "*"
        mon = _compress(part.months) if part.months else "*"
        days = part.weekdays if part.weekdays and set(part.weekdays) != ALL_DAYS else set()
        dow = _compress([(d + 1) % 7 for d in days]) if days else "*"
        for hours, minutes, seconds in _time_groups(part.times):
            fields = [_compress(list(minutes)), _hour_field(hours), dom, mon, dow]
            if seconds != (0,):
                fields.insert(0, _compress(list(seconds)))
            try:
                triggers.append(CronTrigger(expression=" ".join(fields)))
            except ValueError:
                raise InvalidRequest(
                    "That date never comes round (e.g. February 30); check the day and month."
                ) from None
    return triggers


def _hour_field(hours: tuple[int, ...]) -> str:
    """'*' for every hour and '*/N' for every N hours from midnight: schedules that step through
    the hours follow elapsed time across DST (cronie's wildcard jobs); other lists stay fixed."""
    for n in (1, 2, 3, 4, 6, 8, 12):
        if tuple(hours) == tuple(range(0, 24, n)):
            return "*" if n == 1 else f"*/{n}"
    return _compress(list(hours))


def _byday(plan: Plan) -> str:
    parts = [f"{n}{RRULE_DAYS[wd]}" for n, wd in plan.nth]
    parts += [RRULE_DAYS[d] for d in sorted(plan.weekdays)]
    return ",".join(parts)


def rrule_bodies(plan: Plan, *, interval: int | None = None) -> list[str]:
    """RRULE texts (without COUNT/UNTIL) for ``plan``, one per exact time/date group."""
    bodies = []
    for part in _day_groups(plan):
        for hours, minutes, seconds in _time_groups(part.times):
            rule = [f"FREQ={FREQ[part.unit]}"]
            step = part.interval if interval is None else interval
            if step != 1:
                rule.append(f"INTERVAL={step}")
            if part.months:
                rule.append("BYMONTH=" + ",".join(map(str, part.months)))
            if part.monthdays:
                rule.append("BYMONTHDAY=" + ",".join(map(str, part.monthdays)))
            if part.yeardays:
                rule.append("BYYEARDAY=" + ",".join(map(str, part.yeardays)))
            if part.weeknos:
                rule.append("BYWEEKNO=" + ",".join(map(str, part.weeknos)))
            if part.nth or part.weekdays:
                rule.append("BYDAY=" + _byday(part))
            if part.setpos:
                rule.append("BYSETPOS=" + ",".join(map(str, part.setpos)))
            rule.append("BYHOUR=" + ",".join(map(str, hours)))
            rule.append("BYMINUTE=" + ",".join(map(str, minutes)))
            rule.append("BYSECOND=" + ",".join(map(str, seconds)))
            rule.append("WKST=MO")
            bodies.append(";".join(rule))
    return bodies


def first_fire(plan: Plan, now: datetime, zone: ZoneInfo) -> datetime:
    """The plan's first wall time after ``now`` (counting from now, whatever its interval)."""
    found = _fires_after(plan, now, zone, 1, interval1=True)
    return found[0] if found else now.astimezone(zone).replace(tzinfo=None)


def _fires_after(
    plan: Plan, now: datetime, zone: ZoneInfo, count: int, *, interval1: bool
) -> list[datetime]:
    """The first ``count`` wall times of the plan strictly after ``now`` (aware) and >= start."""
    now_wall = now.astimezone(zone).replace(tzinfo=None)
    low = max(now_wall, plan.start) if plan.start else now_wall
    dtstart = datetime.combine(low.date(), time(0))
    found: set[datetime] = set()
    for body in rrule_bodies(plan, interval=1 if interval1 else None):
        rule = rrulestr(body, dtstart=dtstart)
        cursor = low - timedelta(hours=3)
        taken = 0
        for _ in range(5000):
            wall = rule.after(cursor, inc=False)
            if wall is None or wall.year > now_wall.year + 200:
                break
            cursor = wall
            if plan.start and wall < plan.start:
                continue
            if localtime.resolve(wall, zone) <= now:
                continue
            if plan.until and wall >= plan.until:
                break
            if wall in plan.exdates or wall.date() in plan.exdates:
                continue
            found.add(wall)
            taken += 1
            if taken >= count:
                break
    return sorted(found)[:count]


MAX_TRIGGERS = 64


def compile_plan(plan: Plan, zone: ZoneInfo, now: datetime) -> list[Trigger]:
    """Triggers running ``plan`` in ``zone``; raises InvalidRequest when it would never fire."""
    if len(rrule_bodies(plan)) * (len(plan.exdates) + 1) > MAX_TRIGGERS:
        raise InvalidRequest(
            "That schedule is too irregular to run as one task; split it, or use fewer times a day."
        )
    if not plan.exdates and not (plan.count and len(rrule_bodies(plan)) > 1):
        crons = cron_triggers(plan)
        if crons is not None:
            return crons
    first = _fires_after(plan, now, zone, 1, interval1=True)
    if not first:
        raise InvalidRequest(
            "That schedule would never fire after now. Check its start and end dates."
        )
    start = first[0]
    until = plan.until
    count = plan.count
    multi = len(rrule_bodies(plan)) > 1 or plan.exdates
    if count and multi:
        fires = _fires_after(
            replace(plan, start=start, count=None), now, zone, count, interval1=False
        )
        until = fires[-1] + timedelta(seconds=1)
        count = None
    bodies = rrule_bodies(plan)
    triggers: list[Trigger] = []
    for seg_start, seg_until in _segments(start, until, plan.exdates):
        dtstart = start if seg_start <= start else _on_phase(bodies, start, seg_start)
        if dtstart is None or (seg_until is not None and dtstart >= seg_until):
            continue
        for body in bodies:
            rule = body
            if count:
                rule += f";COUNT={count}"
            if seg_until:
                rule += f";UNTIL={(seg_until - timedelta(seconds=1)):%Y%m%dT%H%M%S}"
            triggers.append(RRuleTrigger(rule=rule, start=dtstart))
    if not triggers:
        raise InvalidRequest(
            "That schedule would never fire after now. Check its start and end dates."
        )
    return triggers


def _on_phase(bodies: list[str], start: datetime, low: datetime) -> datetime | None:
    """The first occurrence at or after ``low`` of the rules anchored at ``start``."""
    found = [
        w for body in bodies
        if (w := rrulestr(body, dtstart=start).after(low, inc=True)) is not None
    ]  # fmt: skip
    return min(found) if found else None


def _segments(
    start: datetime, until: datetime | None, exdates: list[date]
) -> list[tuple[datetime, datetime | None]]:
    """[start, until) cut around excluded days (a single RRULE line can't carry EXDATE)."""
    segments: list[tuple[datetime, datetime | None]] = []
    cursor = start
    for day in sorted(set(exdates)):
        cut = datetime.combine(day, time(0))
        if cut <= cursor:
            cursor = max(cursor, cut + timedelta(days=1))
            continue
        if until and cut >= until:
            break
        segments.append((cursor, cut))
        cursor = cut + timedelta(days=1)
    segments.append((cursor, until))
    return segments
