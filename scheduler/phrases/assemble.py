"""From scanned pieces to a Schedule: one-off or repeating, and for repeating ones the merged
plan (unit, days, times, start, end, count) or a fixed interval.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import InvalidRequest
from scheduler.wording.calendar import bounds_text, plan_text

from . import ambiguity
from .days import DaySpec
from .dstnotes import dst_notes
from .intervals import SUB_SECONDS, sub_daily
from .lexicon import FILLER
from .modifiers import Bound, Count, Except, Window, Zone
from .oneoff import build_once
from .pattern import Recur
from .planning import apply_day, apply_excepts, make_plan, merge, start_of, until_of
from .rules import compile_plan, first_fire
from .scan import Piece, Scan, stray_error
from .schedule import Schedule

NO_SCHEDULE = (
    "I couldn't find a time or a repetition in '{text}'. Try: 'every Monday at 9am', "
    "'in 15 minutes', 'tomorrow at 3pm', 'every 2 hours'."
)
MAX_EXPANDED_FIRES = 500


def _content_words(sc: Scan) -> list[str]:
    toks = [sc.tokens[i] for i in sc.content]
    return [t.text for t in toks if t.kind in ("word", "quote", "num") and t.text not in FILLER]


def build(sc: Scan, zone: ZoneInfo, now: datetime) -> Schedule:
    if sc.strays:
        raise stray_error(sc)
    now = now.astimezone(UTC)
    ambiguity.check(sc, now.astimezone(zone).replace(tzinfo=None))
    pieces = sc.pieces
    weak_rel = [p for p in pieces if p.kind == "relative" and p.value.weak]
    if weak_rel and (len(pieces) > len(weak_rel) or _content_words(sc)):
        pieces = _drop(sc, weak_rel)
    if sc.of("minutes") and not any(p.kind == "recur" for p in pieces):
        first = sc.of("minutes")[0]  # "on the hour", "at :15 and :45": minutes past each hour
        sc.pieces.append(Piece("recur", Recur(unit="hour", step_seconds=3600), first.start, first.start))
        sc.pieces.sort(key=lambda p: p.start)
        pieces = sc.pieces
    recurs = [p for p in pieces if p.kind == "recur"]
    specific = any(p.kind == "relative" for p in pieces) or any(
        p.kind == "day" and p.value.is_specific for p in pieces
    )
    if recurs and all(p.value.weak for p in recurs) and specific:
        pieces = _drop(sc, recurs)  # "the weekly report tomorrow": an adjective
        recurs = []
    if not pieces or all(p.kind == "zone" for p in pieces):
        raise InvalidRequest(NO_SCHEDULE.format(text=_short(sc.text)))
    if any(p.kind == "now" for p in pieces):
        if len([p for p in pieces if p.kind not in ("now", "zone")]) == 0:
            raise InvalidRequest("'now' has already begun. Give a time ahead, e.g. 'in 1 minute'.")
        sc.pieces = pieces = [p for p in pieces if p.kind != "now"]
    _check_zone(sc, zone, now, recurring=bool(recurs))
    if not recurs:
        return build_once(sc, zone, now)
    parts = _segments(sc)
    if len(parts) == 1:
        schedule = build_recurring(sc, zone, now)
    else:
        schedule = _combine([build_recurring(part, zone, now) for part in parts], zone)
    named = [p.value.code for p in sc.of("holidays")]
    if len(set(named)) > 1:
        raise InvalidRequest("That names two holiday calendars; a task follows one.")
    return replace(schedule, holidays=named[0]) if named else schedule


_DAYISH = ("recur", "day", "days")
_SHARED = ("until", "start", "holidays", "except", "weeknos", "zone", "count", "window", "minutes")


def _segments(sc: Scan) -> list[Scan]:
    """'every Monday at 9 and every Friday at 5': one scan per (days, times) pair.

    A new part starts where a day or a time comes after a part that already has both; ends,
    starts and exceptions apply to every part.
    """
    shared = [p for p in sc.pieces if p.kind in _SHARED]
    groups: list[list] = [[]]
    for p in sc.pieces:
        if p.kind in _SHARED:
            continue
        kinds = {q.kind for q in groups[-1]}
        has_days, has_time = bool(kinds & set(_DAYISH)), "time" in kinds
        if has_days and has_time and (p.kind in _DAYISH or p.kind == "time"):
            groups.append([])
        groups[-1].append(p)
    complete: list[list] = []
    for g in groups:  # a part without its own days or times belongs to the one before
        kinds = {q.kind for q in g}
        if complete and not (kinds & set(_DAYISH) and "time" in kinds):
            complete[-1].extend(g)
        else:
            complete.append(g)
    groups = complete
    if len(groups) == 1:
        return [sc]
    if any(p.kind == "count" for p in shared):
        raise InvalidRequest(
            "I can't count runs across several rules; give the count for one rule at a time."
        )
    return [replace(sc, pieces=sorted(g + shared, key=lambda p: p.start)) for g in groups]


def _combine(parts: list[Schedule], zone: ZoneInfo) -> Schedule:
    if any(p.kind != "recurring" for p in parts):
        raise InvalidRequest(
            "That mixes a fixed interval with calendar times; ask for them as separate tasks."
        )
    suffix = f", {zone.key}"
    desc = "; ".join(p.description.removesuffix(suffix) for p in parts) + suffix
    triggers = [t for p in parts for t in p.triggers]
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    return Schedule("recurring", desc, triggers, notes)


def _drop(sc: Scan, dropped: list) -> list:
    """Give pieces back to the message (they were ordinary words after all)."""
    for p in dropped:
        sc.content.extend(range(p.start, p.end))
    sc.content.sort()
    sc.pieces = [p for p in sc.pieces if p not in dropped]
    return sc.pieces


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _check_zone(sc: Scan, zone: ZoneInfo, now: datetime, *, recurring: bool) -> None:
    for piece in sc.of("zone"):
        z: Zone = piece.value
        if z.name is not None and _same_rules(ZoneInfo(z.name), zone, now):
            sc.pieces.remove(piece)
            continue
        samples = [(now + timedelta(days=k)).astimezone(zone) for k in range(0, 366, 7)]
        if z.name is None and (
            any((d.tzname() or "").lower() == z.text.lower() for d in samples)
            or all(d.utcoffset() == timedelta(minutes=z.offset or 0) for d in samples)
        ):
            sc.pieces.remove(piece)  # "9am CET" in Berlin: the person's own clock
            continue
        if recurring:
            raise InvalidRequest(
                f"That schedule is written in {z.text.upper() if len(z.text) <= 5 else z.text} "
                f"but would run in {zone.key}. Set the task's zone to the one you mean "
                f"(e.g. --tz {z.name or 'UTC'}) and leave it out of the phrase."
            )


def _same_rules(a: ZoneInfo, b: ZoneInfo, now: datetime) -> bool:
    if a.key == b.key:
        return True
    return all(
        (now + timedelta(hours=6 * k)).astimezone(a).utcoffset()
        == (now + timedelta(hours=6 * k)).astimezone(b).utcoffset()
        for k in range(0, 4 * 800, 3)
    )


_GROUP_WORDS = {"weekday", "weekdays", "workday", "workdays", "weekend", "weekends", "business"}


def _check_day_sets(sc: Scan) -> None:
    """'every weekday on Sundays': a day group and days outside it contradict each other."""
    groups: list[tuple[Piece, set[int]]] = []
    named: list[tuple[Piece, set[int]]] = []
    for p in sc.pieces:
        days = set(p.value.weekdays) if p.kind == "recur" else set(p.value) if p.kind == "days" else (
            {p.value.weekday} if p.kind == "day" and p.value.kind == "weekday" else set())
        if not days:
            continue
        words = {sc.tokens[k].text for k in range(p.start, p.end)}
        (groups if words & _GROUP_WORDS else named).append((p, days))
    for gp, gdays in groups:
        for np_, ndays in named:
            if not ndays <= gdays:
                raise InvalidRequest(
                    f"'{sc.span_text(gp)}' and '{sc.span_text(np_)}' contradict each other; "
                    f"say which days you mean, e.g. 'every weekday' or 'every Sunday'."
                )


def build_recurring(sc: Scan, zone: ZoneInfo, now: datetime) -> Schedule:
    _check_day_sets(sc)
    rec = merge([p.value for p in sc.of("recur")])
    starts: list[DaySpec] = []
    for p in sc.of("day"):
        apply_day(rec, p.value, starts)
    for p in sc.of("days"):
        rec.weekdays |= set(p.value)
    for p in sc.of("weeknos"):
        rec.weeknos += list(p.value.weeks)
    for p in sc.of("relative"):
        raise InvalidRequest(
            f"I can't combine '{sc.span_text(p)}' with a repeating schedule. "
            f"Try e.g. 'every day at 9am starting tomorrow'."
        )
    periods = [p.value[0] for p in sc.of("period")]
    period = rec.period or (periods[0] if periods else None)
    times = [t.resolve(period) for p in sc.of("time") for t in p.value]
    start_bounds: list[Bound] = [p.value.bound for p in sc.of("start")]
    if starts:
        raise InvalidRequest(
            f"'{starts[0].text}' is a single day, but the rest repeats. Say e.g. "
            f"'every Monday starting {starts[0].text}' or ask for a one-off."
        )
    until_bounds: list[Bound] = [p.value.bound for p in sc.of("until")]
    until_bounds += [p.value.until for p in sc.of("start") if p.value.until is not None]
    counts: list[Count] = [p.value for p in sc.of("count")]
    excepts: list[Except] = [p.value for p in sc.of("except")]
    windows: list[Window] = [p.value for p in sc.of("window")]
    if len(start_bounds) > 1 or len(until_bounds) > 1 or len(counts) > 1:
        raise InvalidRequest("That has more than one start, end or count; say each at most once.")
    now_wall = now.astimezone(zone).replace(tzinfo=None)
    start_time = None
    if start_bounds and start_bounds[0].time is not None and start_bounds[0].day is None:
        start_time = start_bounds[0].time.resolve(period)
    if sc.of("minutes") and rec.unit != "hour":
        raise InvalidRequest(f"'{sc.span_text(sc.of('minutes')[0])}' goes with 'every hour', "
                             f"e.g. 'every hour at :20 and :50'.")
    if rec.unit in SUB_SECONDS:
        return sub_daily(
            sc,
            rec,
            zone,
            now,
            times,
            start_bounds,
            until_bounds,
            counts,
            excepts,
            windows,
            start_time,
        )
    if windows:
        raise InvalidRequest(
            f"'{windows[0].text}' needs a repetition within the day, e.g. 'every 30 minutes {windows[0].text}'."
        )
    if not times and start_time is not None:
        times, start_bounds = [start_time], []
    plan = make_plan(rec, now_wall, times, period)
    if rec.unit == "month" and rec.interval == 3 and not rec.quarter and not rec.months:
        positions = rec.monthdays + [n for n, _ in rec.nth] + rec.setpos
        ambiguity.quarterly_positions(sc, first_fire(plan, now, zone), positions)
    apply_excepts(plan, excepts, now_wall)
    start = start_of(start_bounds[0], now_wall) if start_bounds else None
    plan.start = start
    ref = max(now_wall, start) if start else now_wall
    plan.until = until_of(until_bounds[0], ref, now, zone) if until_bounds else None
    plan.count = counts[0].n if counts else None
    if plan.count is not None and plan.count < 1:
        raise InvalidRequest("A count must be at least 1, e.g. 'every Friday for 5 times'.")
    triggers = compile_plan(plan, zone, now)
    desc = plan_text(plan)
    bounds = bounds_text(plan)
    desc = f"{desc}, {bounds}, {zone.key}" if bounds else f"{desc}, {zone.key}"
    return Schedule("recurring", desc, triggers, dst_notes(triggers, zone, now, times=plan.times))
