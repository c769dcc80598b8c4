"""Cron triggers: 5 fields, or 6 with seconds first (``s m h dom mon dow``), evaluated by croniter
in the task's zone.

Semantics, written down because cron implementations disagree:
- day-of-month and day-of-week both restricted means either matches (Vixie cron's OR);
- a wall time skipped by spring-forward fires once at the first valid instant after it;
- a wall time repeated by fall-back fires once (the first) when the hour field is fixed;
  with ``*`` or a step in the hour field, fires follow real elapsed time and both happen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from . import localtime

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
    for field in fields:
        if not _ALLOWED.match(field) or ",," in field or field.startswith(",") or field.endswith(","):
            raise ValueError(f"cron field {field!r} is not valid (L, W, #, ? and H are not supported)")
        if re.search(r"/0+(?!\d)", field):
            raise ValueError(f"cron field {field!r} has a step of 0")
    try:
        croniter(_croniter_form(text), datetime(2026, 1, 1, tzinfo=UTC))
    except (CroniterBadCronError, CroniterError, ValueError, KeyError) as exc:
        raise ValueError(f"invalid cron expression {text!r}: {_reason(exc)}") from None
    _check_ranges(fields)
    if _first_fire(text) is None:
        raise ValueError(f"cron expression {text!r} never fires (no match within 5 years)")
    return text


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
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        it = croniter(_croniter_form(expression), start, max_years_between_matches=5)
        fire = it.get_next(datetime)
    except (CroniterBadDateError, CroniterError, ValueError):
        return None
    return fire if fire - start <= _NEVER_HORIZON else None


def _hour_is_fixed(expression: str) -> bool:
    fields = expression.split(" ")
    hour = fields[2] if len(fields) == 6 else fields[1]
    return "*" not in hour and "/" not in hour


def next_fire_after(trigger: CronTrigger, after: datetime, zone: ZoneInfo) -> datetime | None:
    """The first fire strictly after ``after`` (aware), in UTC; None if none within 5 years."""
    start = after.astimezone(zone)
    try:
        it = croniter(_croniter_form(trigger.expression), start, max_years_between_matches=5)
    except (CroniterBadCronError, CroniterError):  # validated at creation; belt and braces
        return None
    fixed_hour = _hour_is_fixed(trigger.expression)
    after_utc = after.astimezone(UTC)
    for _ in range(10_000):
        try:
            candidate: datetime = it.get_next(datetime)
        except (CroniterBadDateError, CroniterError):
            return None
        fire = candidate.astimezone(UTC)
        if fire <= after_utc:
            continue
        if fixed_hour and _second_occurrence(candidate, zone):
            continue
        if fire - after_utc > _NEVER_HORIZON:
            return None
        return fire
    return None


def _second_occurrence(candidate: datetime, zone: ZoneInfo) -> bool:
    wall = candidate.replace(tzinfo=None)
    if not localtime.is_repeated(wall, zone):
        return False
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return candidate.astimezone(UTC) != first
