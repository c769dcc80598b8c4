"""The parser's answer: a :class:`Schedule` (kind, description, triggers, notes) and its preview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from scheduler.clock import ensure_utc
from scheduler.triggers import Trigger, next_fires


@dataclass(frozen=True)
class Schedule:
    kind: Literal["once", "recurring", "interval"]
    description: str  # "every other Tuesday at 17:00, Europe/Berlin"
    triggers: list[Trigger]  # usually one
    notes: tuple[str, ...] = ()  # e.g. "02:30 doesn't exist on Sun 29 Mar 2026; it runs at 03:00"


def preview(schedule: Schedule, *, zone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, in ``zone``, by the engine's maths."""
    tz = ZoneInfo(zone)
    fires = next_fires(
        list(schedule.triggers), ensure_utc(after, what="'after'"), tz, max(0, count)
    )
    return [f.astimezone(tz) for f in fires]
