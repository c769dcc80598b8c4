"""Trigger kinds and their maths: pure functions of (trigger, after, zone), never the clock.

Each kind lives in its own module; ``Trigger`` is the discriminated union stored with a task.
Reactive kinds (event, file, pg_notify, condition) have no fire times: ``next_fire_after``
returns None for them and the engine fires them from their sources.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from . import cron, interval, once, rrule
from .cron import CronTrigger
from .dst import DstPolicy
from .event import ConditionTrigger, EventTrigger, FileTrigger, PgNotifyTrigger
from .interval import IntervalTrigger
from .once import OnceTrigger
from .rrule import RRuleTrigger

Trigger = Annotated[
    CronTrigger | IntervalTrigger | OnceTrigger | RRuleTrigger
    | EventTrigger | FileTrigger | PgNotifyTrigger | ConditionTrigger,
    Field(discriminator="kind"),
]
TIME_KINDS = frozenset({"cron", "interval", "once", "rrule"})


def next_fire_after(trigger: Trigger, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The first fire of ``trigger`` strictly after the aware instant ``after``, in UTC."""
    if isinstance(trigger, CronTrigger):
        return cron.next_fire_after(trigger, after, zone)
    if isinstance(trigger, IntervalTrigger):
        return interval.next_fire_after(trigger, after)
    if isinstance(trigger, OnceTrigger):
        return once.next_fire_after(trigger, after)
    if isinstance(trigger, RRuleTrigger):
        return rrule.next_fire_after(trigger, after, zone)
    return None


def walls_between(trigger: Trigger, low: datetime, high: datetime) -> list[datetime]:
    """Naive local wall times in [low, high) that a calendar trigger names by wall time (cron
    and RRULE at fixed hours); [] for the others. DST notes use it."""
    if isinstance(trigger, CronTrigger):
        return cron.walls_between(trigger, low, high)
    if isinstance(trigger, RRuleTrigger):
        return rrule.walls_between(trigger, low, high)
    return []


def next_fire_of_all(triggers: Sequence[Trigger], after: datetime, zone: ZoneInfo) -> datetime | None:
    """The earliest next fire across several triggers (a task fires once per instant)."""
    fires = [f for t in triggers if (f := next_fire_after(t, after, zone)) is not None]
    return min(fires) if fires else None


def iter_fires(
    triggers: Sequence[Trigger], after: datetime, zone: ZoneInfo, *, until: datetime | None = None
) -> Iterator[datetime]:
    """Successive fires strictly after ``after`` (and at or before ``until``), strictly increasing."""
    cursor = after
    while True:
        fire = next_fire_of_all(triggers, cursor, zone)
        if fire is None or (until is not None and fire > until):
            return
        yield fire
        cursor = fire


def next_fires(triggers: list[Trigger], after: datetime, zone: ZoneInfo, count: int) -> list[datetime]:
    fires: list[datetime] = []
    for fire in iter_fires(triggers, after, zone):
        fires.append(fire)
        if len(fires) >= count:
            break
    return fires


__all__ = [
    "TIME_KINDS",
    "ConditionTrigger",
    "CronTrigger",
    "DstPolicy",
    "EventTrigger",
    "FileTrigger",
    "IntervalTrigger",
    "OnceTrigger",
    "PgNotifyTrigger",
    "RRuleTrigger",
    "Trigger",
    "iter_fires",
    "next_fire_after",
    "next_fire_of_all",
    "next_fires",
    "walls_between",
]
