"""Cron triggers: 5 fields, or 6 with seconds first (``s m h dom mon dow``), evaluated by croniter
in the task's zone.

Semantics, written down because cron implementations disagree (cronpilot follows Vixie cron
and cronie, see docs/time-phrases.md "Cron" for the deliberate differences):
- day-of-month and day-of-week: when both are restricted, either matches (OR); a field that
  starts with ``*`` (``*``, ``*/7``, ``*/100,1-7``) counts as unrestricted, so then both must
  match (AND: ``1 1 1-7 * */7`` is the first Sunday of the month);
- wall times are resolved with the trigger's :class:`~.dst.DstPolicy` (default: a time skipped
  by spring-forward runs at the first valid instant after it, a repeated time runs once, at the
  first) when the minute and hour fields are fixed (numbers, lists, ranges: ``0 1-6 * * *`` is
  fixed); when either starts with ``*`` (cronie's "wildcard" jobs, ``0 * * * *``,
  ``* 1-6 * * *``, ``0 */2 * * *``) fires follow real elapsed time: skipped minutes have no
  run and repeated ones run twice;
- ``L``, ``W``, ``#``, ``?`` and ``H`` are refused with the feature named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from . import dst, public_holidays
from .dst import DstPolicy

MAX_EXPRESSION_LENGTH = 256
_NEVER_HORIZON = timedelta(days=366 * 5)
_ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_ALLOWED = re.compile(r"^[0-9A-Za-z*/,\-]+$")


class CronTrigger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["cron"] = "cron"
    expression: str
    dst: DstPolicy | None = Field(default=None, exclude_if=lambda v: v is None)  # None: house rule
    holidays: str | None = Field(default=None, exclude_if=lambda v: v is None)  # "DE": skip them

    @field_validator("holidays")
    @classmethod
    def _calendar(cls, code: str | None) -> str | None:
        return None if code is None else public_holidays.normalize(code)

    @field_validator("expression")
    @classmethod
    def _valid(cls, expression: str, info: ValidationInfo) -> str:
        if info.context and info.context.get("trusted"):
            return expression  # read back from the store: validated when it was written
        return normalize_expression(expression)

    @property
    def has_seconds(self) -> bool:
        return len(self.expression.split()) == 6


def normalize_expression(expression: str) -> str:
    """Validate a cron expression and return it with single spaces; raise ValueError with a reason."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ValueError(f"a cron expression is at most {MAX_EXPRESSION_LENGTH} characters")
    if any(ch in expression for ch in "\x00\n\r"):
        raise ValueError("a cron expression is one line of text")
    text = " ".join(expression.split())
    text = _ALIASES.get(text.lower(), text)
    if text.startswith("@"):
        raise ValueError(f"{text} has no meaning here; use 5 cron fields such as '0 9 * * 1'")
    fields = text.split(" ")
    if len(fields) not in (5, 6):
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month weekday), or 6 with seconds "
            f"first; got {len(fields)}"
        )
    for position, field in enumerate(fields[-5:]):
        unsupported = unsupported_feature(field, position)
        if unsupported:
            raise ValueError(unsupported)
    for field in fields:
        if not _ALLOWED.match(field) or ",," in field or field.startswith(",") or field.endswith(","):
            raise ValueError(f"cron field {field!r} is not valid")
        if re.search(r"/0+(?!\d)", field):
            raise ValueError(f"cron field {field!r} has a step of 0")
    try:
        croniter(_croniter_form(text), datetime(2026, 1, 1), day_or=day_or(text))
    except (CroniterBadCronError, CroniterError, ValueError, KeyError) as exc:
        raise ValueError(f"invalid cron expression {text!r}: {_reason(exc)}") from None
    _check_ranges(fields)
    if _first_fire(text) is None:
        raise ValueError(f"cron expression {text!r} never fires (no match within 5 years)")
    return text


_UNSUPPORTED = {
    "L": "L (last day) is not supported; use rrule or say 'last day of the month'",
    "W": "W (nearest weekday) is not supported; use rrule or say 'first business day of the month'",
    "#": "# (nth weekday) is not supported; use rrule or say 'second Tuesday of the month'",
    "?": "? (no specific value) is not supported; write * instead",
    "H": "H (hashed value, Jenkins) is not supported; choose the minute or hour yourself",
}
_DOW_NAMES = re.compile(r"(mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
                        re.IGNORECASE)


def unsupported_feature(field: str, position: int) -> str | None:
    """The refusal naming a non-standard cron feature in ``field`` (0 = minute ... 4 = weekday)."""
    bare = _DOW_NAMES.sub("", field) if position >= 3 else field
    for mark, reason in _UNSUPPORTED.items():
        if mark in bare.upper():
            return reason
    return None


def day_or(expression: str) -> bool:
    """Vixie cron's rule: OR the day fields only when neither starts with ``*``."""
    fields = expression.split(" ")[-5:]
    return not (fields[2].startswith("*") or fields[4].startswith("*"))


def _check_ranges(fields: list[str]) -> None:
    for field in fields:
        for part in field.split(","):
            body = part.split("/")[0]
            if "-" in body:
                low, high = body.split("-", 1)
                if low.isdigit() and high.isdigit() and int(low) > int(high):
                    raise ValueError(f"cron range {body!r} is reversed")


def _reason(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text.splitlines()[0][:200]


def _croniter_form(expression: str) -> str:
    fields = expression.split(" ")
    if len(fields) == 6:  # croniter wants seconds last
        fields = fields[1:] + fields[:1]
    return " ".join(fields)


def _first_fire(expression: str) -> datetime | None:
    start = datetime(2026, 1, 1)
    try:
        it = croniter(_croniter_form(expression), start, max_years_between_matches=5,
                      day_or=day_or(expression))
        fire = it.get_next(datetime)
    except (CroniterBadDateError, CroniterError, ValueError):
        return None
    return fire if fire - start <= _NEVER_HORIZON else None


def steps_through_hours(expression: str) -> bool:
    """cronie's "wildcard" job: the minute or the hour field starts with ``*``."""
    fields = expression.split(" ")[-5:]
    return fields[0].startswith("*") or fields[1].startswith("*")


def next_fire_after(trigger: CronTrigger, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The first fire strictly after ``after`` (aware), in UTC; None if none within 5 years.

    Matches are found in naive wall time and turned into instants with the trigger's DST policy
    (or the elapsed-time reading for wildcard jobs).
    """
    after_utc = after.astimezone(UTC)
    # Start a little before ``after`` in wall time: a gap or a fold moves a wall time's instant
    # by up to the size of the DST shift.
    start = after_utc.astimezone(zone).replace(tzinfo=None) - _LOOKBACK
    try:
        it = croniter(_croniter_form(trigger.expression), start, max_years_between_matches=5,
                      day_or=day_or(trigger.expression))
    except (CroniterBadCronError, CroniterError):  # validated at creation; belt and braces
        return None
    walls = public_holidays.skip_holidays(_walls(it), trigger.holidays)
    fire = dst.first_after(walls, after_utc, zone, trigger.dst,
                           elapsed=steps_through_hours(trigger.expression))
    if fire is None or fire - after_utc > _NEVER_HORIZON:
        return None
    return fire


_LOOKBACK = timedelta(hours=3)


def _walls(it: croniter) -> Iterator[datetime]:
    for _ in range(10_000):
        try:
            yield it.get_next(datetime)
        except (CroniterBadDateError, CroniterError):
            return
        except (ValueError, OverflowError):
            # The next match lies past year 9999 (datetime's end): croniter fails inside its own
            # handler ("year 10000 is out of range" over "'*' is not in list"). No fire.
            return


def walls_between(trigger: CronTrigger, low: datetime, high: datetime) -> list[datetime]:
    """Naive wall times in [low, high) the expression names (for DST notes), unless it steps
    through the hours (then DST moves nothing it names)."""
    if steps_through_hours(trigger.expression):
        return []
    it = croniter(_croniter_form(trigger.expression), low - timedelta(seconds=1),
                  day_or=day_or(trigger.expression))
    out: list[datetime] = []
    for wall in public_holidays.skip_holidays(_walls(it), trigger.holidays):
        if wall >= high or len(out) > 120:
            break
        out.append(wall)
    return out
