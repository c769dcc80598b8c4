"""Interval triggers: every fixed elapsed step, anchored at an instant (creation time by default).

Elapsed time is measured in UTC, so across a DST change the wall-clock time of the fires shifts
by the change: "every 6 hours" stays 6 real hours apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

MIN_INTERVAL = timedelta(seconds=1)
MAX_INTERVAL = timedelta(days=3660)


class IntervalTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["interval"] = "interval"
    every: timedelta
    anchor_at: datetime | None = None  # filled with the creation instant by the service

    @field_validator("every")
    @classmethod
    def _positive(cls, every: timedelta) -> timedelta:
        if every < MIN_INTERVAL:
            raise ValueError("an interval must be at least 1 second")
        if every > MAX_INTERVAL:
            raise ValueError("an interval must be at most 10 years")
        return every

    @field_validator("anchor_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("the anchor must be an aware datetime")
        return value.astimezone(UTC) if value else None


def next_fire_after(trigger: IntervalTrigger, after: datetime) -> datetime | None:
    anchor = trigger.anchor_at
    if anchor is None:
        return None
    after = after.astimezone(UTC)
    if after < anchor:
        return anchor + trigger.every
    steps = (after - anchor) // trigger.every + 1
    return anchor + trigger.every * steps
