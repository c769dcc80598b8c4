"""RRULE occurrences with public holidays taken out *before* positions and counts are applied.

"The first business day of the month, except public holidays" is
``FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1`` plus a holiday calendar: on a month that starts
with a holiday the run moves to the next working day instead of vanishing. So the rule is
expanded without BYSETPOS, each period (month, year, week) loses its holidays, and the
positions then count the days that are left (a position names a day: every time of that day
runs). A COUNT counts the runs that happen, holidays excluded; an UNTIL bounds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import groupby

from dateutil.rrule import rrulestr

from .public_holidays import is_holiday

_PERIODIC = ("MONTHLY", "YEARLY", "WEEKLY")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MAX_WALLS = 200_000


def walls(rule: str, start: datetime, code: str, *, after: datetime | None = None) -> Iterator[datetime]:
    """Ascending naive wall times of ``rule`` (DTSTART ``start``) on days that are not public
    holidays of ``code``; from the period holding ``after`` when the rule has no COUNT."""
    parts = _parts(rule)
    count = int(parts.pop("COUNT")) if "COUNT" in parts else None
    until = _until(parts.pop("UNTIL")) if "UNTIL" in parts else None
    positions = [int(p) for p in parts.pop("BYSETPOS", "").split(",") if p]
    freq = parts.get("FREQ", "")
    if positions and freq not in _PERIODIC:  # positions within a day: dateutil picks the times
        parts["BYSETPOS"] = ",".join(map(str, positions))
        positions = []
    base = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
    begin = start - timedelta(seconds=1)
    if count is None and after is not None and after > start:
        begin = max(begin, _period_start(after, freq, parts.get("WKST", "MO")) - timedelta(seconds=1))
    occurrences = _after(base, begin)
    if positions:
        occurrences = _positioned(occurrences, positions, code, period=(freq, parts.get("WKST", "MO")))
    yielded = 0
    for wall in occurrences:
        if until is not None and wall > until:
            return
        if positions or not is_holiday(wall.date(), code):
            yield wall
            yielded += 1
            if count is not None and yielded >= count:
                return


def _positioned(occurrences: Iterator[datetime], positions: list[int], code: str, *,
                period: tuple[str, str]) -> Iterator[datetime]:  # fmt: skip
    """Per period, the occurrences on the days at ``positions`` among its non-holiday days."""
    freq, wkst = period
    for _, group in groupby(occurrences, key=lambda w: _period_start(w, freq, wkst)):
        in_period = list(group)
        days = sorted({w.date() for w in in_period if not is_holiday(w.date(), code)})
        chosen = {days[p - 1 if p > 0 else p] for p in positions if p and -len(days) <= p <= len(days)}
        yield from (w for w in in_period if w.date() in chosen)


def _after(base: object, begin: datetime) -> Iterator[datetime]:
    cursor = begin
    for _ in range(_MAX_WALLS):
        wall = base.after(cursor, inc=False)  # type: ignore[attr-defined]
        if wall is None:
            return
        yield wall
        cursor = wall


def _period_start(wall: datetime, freq: str, wkst: str) -> datetime:
    day: date = wall.date()
    if freq == "MONTHLY":
        day = day.replace(day=1)
    elif freq == "YEARLY":
        day = day.replace(month=1, day=1)
    elif freq == "WEEKLY":
        first = _WEEKDAYS.index(wkst) if wkst in _WEEKDAYS else 0
        day -= timedelta(days=(day.weekday() - first) % 7)
    return datetime.combine(day, datetime.min.time())


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    return {k.upper(): v for k, _, v in (p.partition("=") for p in text.split(";") if "=" in p)}


def _until(text: str) -> datetime:
    return datetime.strptime(text.rstrip("Zz")[:15], "%Y%m%dT%H%M%S") if "T" in text.upper() \
        else datetime.strptime(text[:8], "%Y%m%d")
