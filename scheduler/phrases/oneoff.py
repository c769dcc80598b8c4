"""One-off schedules: a day and/or a time of day, or an offset from now, turned into one instant.

A time of day alone is today if still ahead, else tomorrow; a day alone is at 09:00 (or the part
of day named: "tomorrow morning"). The result must lie ahead of now and within the horizon:
a past one-off is refused with the time it resolved to, never moved silently.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest
from scheduler.triggers import OnceTrigger, localtime
from scheduler.wording.calendar import day_text, hhmm, when_text

from . import lexicon
from .days import resolve
from .durations import Relative
from .modifiers import Zone
from .scan import Scan
from .schedule import Schedule
from .times import TimeSpec

HORIZON_YEARS = 100


def _fixed_zone(zone: Zone, wall: datetime) -> datetime:
    if zone.name is not None:
        return wall.replace(tzinfo=ZoneInfo(zone.name))
    from datetime import timezone

    return wall.replace(tzinfo=timezone(timedelta(minutes=zone.offset or 0)))


def _check_future(instant: datetime, now: datetime, shown: str) -> None:
    if instant <= now:
        raise InvalidRequest(
            f"{shown} is in the past, so I won't schedule it. Give a time ahead, "
            f"e.g. 'tomorrow at 5pm' or 'in 2 hours'."
        )
    if instant - now > timedelta(days=365 * HORIZON_YEARS + 24):
        raise InvalidRequest(
            f"{shown} is more than {HORIZON_YEARS} years away; I only schedule within that horizon."
        )


def build_once(sc: Scan, zone: ZoneInfo, now: datetime) -> Schedule:
    now = now.astimezone(UTC)
    for kind in ("count", "until", "start", "holidays", "except", "window", "weeknos"):
        if sc.of(kind):
            piece = sc.of(kind)[0]
            raise InvalidRequest(
                f"'{sc.span_text(piece)}' only makes sense for a repeating schedule. "
                f"Try e.g. 'every day at 9am {sc.span_text(piece)}'."
            )
    if sc.of("days"):
        piece = sc.of("days")[0]
        raise InvalidRequest(
            f"'{sc.span_text(piece)}' names several days. For a repeating schedule say "
            f"'every {sc.span_text(piece).removeprefix('on ')}'; for one-offs, ask for each day."
        )
    days = [p.value for p in sc.of("day")]
    if len(days) > 1:
        raise InvalidRequest(
            f"I found more than one day ('{sc.span_text(sc.of('day')[0])}' and "
            f"'{sc.span_text(sc.of('day')[1])}'). Say just one, e.g. 'next Friday at 3pm'."
        )
    times: list[TimeSpec] = [t for p in sc.of("time") for t in p.value]
    if len(times) > 1:
        raise InvalidRequest(
            "That gives several times of day. For a repeating schedule say e.g. "
            "'every day at 9am and 5pm'; for one-offs, ask for each time."
        )
    rels: list[Relative] = [p.value for p in sc.of("relative")]
    if len(rels) > 1:
        raise InvalidRequest("I found two offsets from now; say just one, e.g. 'in 2 hours'.")
    periods = [p.value for p in sc.of("period")]
    zones: list[Zone] = [p.value for p in sc.of("zone")]
    day = days[0] if days else None
    rel = rels[0] if rels else None
    period = periods[-1][0] if periods else None
    period_day = next((off for _, off in periods if off is not None), None)
    if rel is not None:
        if rel.past:
            raise InvalidRequest(
                f"'{rel.text}' is in the past, so I won't schedule it. Try e.g. 'in 5 minutes'."
            )
        if rel.delta.is_zero or rel.delta.approx_seconds() <= 0:
            raise InvalidRequest(f"'{rel.text}' is not in the future. Try e.g. 'in 1 minute'.")
        if day is not None and rel.base is None:
            raise InvalidRequest(f"I can't combine '{rel.text}' with a day. Say one of them.")
        if (times or period) and rel.delta.seconds and rel.base is None:
            raise InvalidRequest(
                f"I can't combine '{rel.text}' with a time of day. Say one of them."
            )
    tz_target = ZoneInfo(zones[0].name) if zones and zones[0].name else zone
    now_wall = now.astimezone(tz_target).replace(tzinfo=None)
    if zones and zones[0].name is None:
        now_wall = now.astimezone(_fixed_zone(zones[0], datetime(2000, 1, 1)).tzinfo).replace(
            tzinfo=None
        )

    if rel is not None and rel.base is not None:
        at0 = (
            times[0].resolve(period)
            if times
            else lexicon.PERIOD_TIMES.get(period or "", lexicon.DEFAULT_TIME)
        )
        base = datetime.combine(resolve(rel.base, now_wall, at0), at0)
        step = rel.delta.calendar_step()
        wall = base - step if rel.before else base + step
        instant = localtime.resolve(wall, zone)
        instant = instant - rel.delta.elapsed if rel.before else instant + rel.delta.elapsed
        _check_future(instant, now, f"'{rel.text}'")
        return _once(instant, zone, now, None)
    if rel is not None and not times and not period:
        instant = rel.delta.apply(now, zone)
        shown = f"'{rel.text}'"
        _check_future(instant, now, shown)
        return _once(instant, zone, now, None)

    at: time | None = times[0].resolve(period) if times else None
    if at is None and period is not None:
        at = lexicon.PERIOD_TIMES.get(period, lexicon.DEFAULT_TIME)
    if rel is not None:
        target = (now_wall + rel.delta.calendar_step()).date()
        wall = datetime.combine(target, at or now_wall.time())
    elif day is not None:
        wall = datetime.combine(
            resolve(day, now_wall, at or lexicon.DEFAULT_TIME), at or lexicon.DEFAULT_TIME
        )
    elif period_day is not None:
        late = period == "tonight" and at is not None and at < time(5)  # "midnight tonight"
        wall = datetime.combine(
            now_wall.date() + timedelta(days=period_day + late), at or lexicon.DEFAULT_TIME
        )
    elif at is not None:
        wall = datetime.combine(now_wall.date(), at)
        if wall <= now_wall:
            wall += timedelta(days=1)
    else:
        raise InvalidRequest(
            "I couldn't find a time in that. Try: 'tomorrow at 3pm', 'in 15 minutes'."
        )
    if zones and zones[0].name is None:
        instant = _fixed_zone(zones[0], wall).astimezone(UTC)
        intended = None
    else:
        instant = localtime.resolve(wall, tz_target)
        intended = wall if not localtime.exists(wall, tz_target) else None
    _check_future(instant, now, f"{when_text(wall)}" + (f" ({_what(sc)})" if _what(sc) else ""))
    return _once(instant, zone, now, intended, tz_target if tz_target != zone else None)


def _what(sc: Scan) -> str:
    spans = [sc.span_text(p) for p in sc.pieces if p.kind in ("day", "time", "relative", "period")]
    return " ".join(spans)


def _once(instant: datetime, zone: ZoneInfo, now: datetime, intended: datetime | None,
          named: ZoneInfo | None = None) -> Schedule:  # fmt: skip
    local = instant.astimezone(zone)
    desc = f"once on {when_text(local.replace(tzinfo=None))}, {zone.key}"
    notes: list[str] = []
    if intended is not None:
        notes.append(
            f"{hhmm(intended.time())} doesn't exist on {day_text(intended.date())} in "
            f"{(named or zone).key} (clocks go forward); it runs at {hhmm(local.time())}."
        )
    elif localtime.is_repeated(local.replace(tzinfo=None), zone):
        notes.append(
            f"{hhmm(local.time())} happens twice on {day_text(local.date())} in {zone.key} "
            f"(clocks go back); it runs at the first."
        )
    if named is not None:
        notes.append(f"Given in {named.key}: {instant.astimezone(named):%H:%M} there.")
    return Schedule("once", desc, [OnceTrigger(at=instant)], tuple(notes))
