"""RFC 5545 recurrence rules (python-dateutil), for what cron can't say: every other week, the
last weekday of the month, a count or an end date.

``start`` is a naive local wall time in the task's zone (DTSTART); occurrences are generated in
wall time and turned into instants with the trigger's DST policy (default, the house rule: gap →
first instant after it, repeated time → first occurrence). HOURLY, MINUTELY and SECONDLY rules
step through the hours and follow elapsed time instead (see ``dst``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import dst, holiday_positions, public_holidays
from .dst import DstPolicy

_HORIZON = timedelta(days=366 * 5)


class RRuleTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["rrule"] = "rrule"
    rule: str  # e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=17;BYMINUTE=0;BYSECOND=0"
    start: datetime  # naive local wall time (DTSTART)
    dst: DstPolicy | None = Field(default=None, exclude_if=lambda v: v is None)  # None: house rule
    holidays: str | None = Field(default=None, exclude_if=lambda v: v is None)  # "DE": skip them

    @field_validator("rule")
    @classmethod
    def _rule_text(cls, rule: str) -> str:
        rule = rule.strip()
        if rule.upper().startswith("RRULE:"):
            rule = rule[6:]
        if not rule or len(rule) > 512 or "\n" in rule:
            raise ValueError("an RRULE is one line of at most 512 characters")
        return rule

    @field_validator("holidays")
    @classmethod
    def _calendar(cls, code: str | None) -> str | None:
        return None if code is None else public_holidays.normalize(code)

    @field_validator("start")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=None)

    @model_validator(mode="after")
    def _parses(self) -> RRuleTrigger:
        try:
            build(self)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"invalid RRULE {self.rule!r}: {exc}") from None
        return self


def build(trigger: RRuleTrigger) -> rrule:
    parsed = rrulestr(trigger.rule, dtstart=trigger.start)
    if not isinstance(parsed, rrule):
        raise ValueError("only a single RRULE is supported")
    return parsed


_STEPPING = ("FREQ=HOURLY", "FREQ=MINUTELY", "FREQ=SECONDLY")


def next_fire_after(trigger: RRuleTrigger, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The first occurrence strictly after ``after`` (aware), as a UTC instant."""
    rule = build(trigger)
    after_utc = after.astimezone(UTC)
    # Start the wall-time search a little before ``after`` in local time: a gap or fold can move
    # a wall time's instant by up to the size of the DST shift.
    cursor = after_utc.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)
    elapsed = any(f in trigger.rule.upper() for f in _STEPPING)
    fire = dst.first_after(_walls_of(trigger, rule, cursor), after_utc, zone, trigger.dst,
                           elapsed=elapsed)
    if fire is None or fire - after_utc > _HORIZON:
        return None
    return fire


def _walls(rule: rrule, cursor: datetime) -> Iterator[datetime]:
    for _ in range(10_000):
        wall = rule.after(cursor, inc=False)
        if wall is None:
            return
        yield wall
        cursor = wall


def _walls_of(trigger: RRuleTrigger, rule: rrule, cursor: datetime) -> Iterator[datetime]:
    if trigger.holidays is None:
        return _walls(rule, cursor)
    if _parts(trigger.rule).keys() & {"BYSETPOS", "COUNT"}:
        found = holiday_positions.walls(trigger.rule, trigger.start, trigger.holidays, after=cursor)
        return (w for w in found if w > cursor)
    return public_holidays.skip_holidays(_walls(rule, cursor), trigger.holidays)


def _parts(rule: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)


def walls_between(trigger: RRuleTrigger, low: datetime, high: datetime) -> list[datetime]:
    """Naive wall times in [low, high) of the rule (for DST notes), unless it steps through the
    hours."""
    if any(f in trigger.rule.upper() for f in _STEPPING):
        return []
    out: list[datetime] = []
    for wall in _walls_of(trigger, build(trigger), low - timedelta(seconds=1)):
        if wall >= high or len(out) >= 120:
            break
        out.append(wall)
    return out
