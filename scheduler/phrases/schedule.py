"""The parser's answer: a :class:`Schedule` (kind, description, triggers, notes) and its preview."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from scheduler.clock import ensure_utc
from scheduler.triggers import DstPolicy, OnceTrigger, Trigger, localtime, next_fires


@dataclass(frozen=True)
class Schedule:
    kind: Literal["once", "recurring", "interval"]
    description: str  # "every other Tuesday at 17:00, Europe/Berlin"
    triggers: list[Trigger]  # usually one
    notes: tuple[str, ...] = ()  # e.g. "02:30 doesn't exist on Sun 29 Mar 2026; it runs at 03:00"
    lang: str = "en"  # the language the phrase was written in (descriptions are in it)
    holidays: str | None = None  # public holidays skipped: a calendar ("DE"); "" = not named yet


def preview(schedule: Schedule, *, zone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, in ``zone``, by the engine's maths."""
    tz = ZoneInfo(zone)
    fires = next_fires(
        list(schedule.triggers), ensure_utc(after, what="'after'"), tz, max(0, count)
    )
    return [f.astimezone(tz) for f in fires]


def with_dst(schedule: Schedule, policy: DstPolicy | None, zone: ZoneInfo, now: datetime) -> Schedule:
    """``schedule`` with ``policy`` in its calendar triggers (cron, RRULE) and notes to match.

    A one-off is one instant: at a repeated wall time, "last" moves it to the second occurrence
    and "both" adds it; a one-off in a gap keeps running right after the gap (a reminder asked
    for is never dropped silently; its note says so).
    """
    if policy is None or policy.is_default:
        return schedule
    from .dstnotes import dst_notes

    triggers: list[Trigger] = []
    for t in schedule.triggers:
        if t.kind in ("cron", "rrule"):
            triggers.append(t.model_copy(update={"dst": policy}))
        elif isinstance(t, OnceTrigger):
            triggers.extend(_once_with(t, policy, zone))
        else:
            triggers.append(t)
    notes = schedule.notes
    if any(t.kind in ("cron", "rrule") for t in triggers):
        notes = dst_notes(triggers, zone, now)
    return replace(schedule, triggers=triggers, notes=notes)


def _once_with(trigger: OnceTrigger, policy: DstPolicy, zone: ZoneInfo) -> list[OnceTrigger]:
    wall = trigger.at.astimezone(zone).replace(tzinfo=None)
    if policy.repeated == "first" or not localtime.is_repeated(wall, zone):
        return [trigger]
    second = OnceTrigger(at=wall.replace(tzinfo=zone, fold=1).astimezone(UTC))
    return [second] if policy.repeated == "last" else [trigger, second]
