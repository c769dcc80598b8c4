"""DST notes for a schedule: which runs within the next year name a wall time that a clock
change skips or repeats, and what happens to them under the triggers' DST policy.

    "02:30 doesn't exist on Sun 28 Mar 2027 in Europe/Berlin (clocks go forward); that run
     happens at 03:00."
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduler.triggers import Trigger, localtime, walls_between
from scheduler.triggers.dst import DstPolicy
from scheduler.wording.calendar import day_text, hhmm

MAX_NOTES = 2


def _policy(trigger: Trigger) -> DstPolicy:
    return getattr(trigger, "dst", None) or DstPolicy()


def _gap_note(wall: datetime, zone: ZoneInfo, policy: DstPolicy) -> str:
    head = (f"{hhmm(wall.time())} doesn't exist on {day_text(wall.date())} in {zone.key} "
            f"(clocks go forward); ")  # fmt: skip
    if policy.skipped == "skip":
        return head + "that run is skipped (DST policy: skip)."
    shifted = localtime.gap_end(wall, zone).astimezone(zone)
    return head + f"that run happens at {hhmm(shifted.time())}."


def _fold_note(wall: datetime, zone: ZoneInfo, policy: DstPolicy) -> str:
    head = (f"{hhmm(wall.time())} happens twice on {day_text(wall.date())} in {zone.key} "
            f"(clocks go back); ")  # fmt: skip
    return head + {
        "first": "it runs once, at the first.",
        "last": "it runs once, at the second (DST policy: last).",
        "both": "it runs at both (DST policy: both).",
    }[policy.repeated]


def dst_notes(
    triggers: list[Trigger], zone: ZoneInfo, now: datetime, *, days: int = 366,
    times: list[time] | None = None,
) -> tuple[str, ...]:  # fmt: skip
    """Notes for runs in the next ``days`` whose wall time is skipped or repeated by DST.

    ``times`` (the schedule's times of day, when known) skips changes no run can touch.
    """
    notes: list[str] = []
    horizon = now + timedelta(days=days)
    for change in _changes(zone, now.year) + _changes(zone, now.year + 1):
        if not now < change <= horizon:
            continue
        before = (change - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
        after = change.astimezone(zone).replace(tzinfo=None)
        low, high = min(before, after), max(before, after) + timedelta(seconds=1)
        if times is not None and not any(low <= datetime.combine(low.date(), t) < high
                                         for t in times):  # fmt: skip
            continue
        gap = after > before
        for trigger in triggers:
            for wall in walls_between(trigger, low, high):
                if gap and localtime.exists(wall, zone):
                    continue
                note = (_gap_note if gap else _fold_note)(wall, zone, _policy(trigger))
                if note not in notes:
                    notes.append(note)
                if len(notes) >= MAX_NOTES:
                    return tuple(notes)
    return tuple(notes)


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
