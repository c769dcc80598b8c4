"""Cron expressions given as they are ("0 9 * * 1", "*/5 * * * *", "@daily"), and a plain-English
reading of the common shapes for the description.
"""

from __future__ import annotations

import re

from scheduler.errors import InvalidRequest
from scheduler.triggers import CronTrigger
from scheduler.triggers.cron import normalize_expression

from .lexicon import MONTH_NAMES, WEEKDAY_NAMES

# One element of a cron field, including the non-standard marks (L, W, #, ?, H) so that an
# expression using them is refused as cron with the feature named, never read as words.
_ELEMENT = r"(?:[*?]|[0-9]+[lw]?|[0-9]+#[0-9]+|[a-z]{3}(?:#[0-9]+|l)?|lw?|w|h)"
_FIELD = re.compile(rf"^{_ELEMENT}(?:[-,/]{_ELEMENT})*$", re.IGNORECASE)
_ALIASES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def looks_like_cron(text: str) -> str | None:
    """The expression when ``text`` is a cron expression (optionally prefixed "cron"), else None."""
    body = text.strip()
    lowered = body.lower()
    for prefix in ("cron:", "cron "):
        if lowered.startswith(prefix):
            body = body[len(prefix) :].strip()
            lowered = body.lower()
    if lowered in _ALIASES:
        return lowered
    fields = body.split()
    if len(fields) not in (5, 6):
        return None
    if not all(_FIELD.match(f) for f in fields):
        return None
    if not any(ch.isdigit() or ch == "*" for ch in body):
        return None
    if not (fields[0][0].isdigit() or fields[0][0] in "*?" or fields[0].lower() == "h"):
        return None
    return body


def cron_trigger(expression: str) -> CronTrigger:
    try:
        normalize_expression(expression)
    except ValueError as exc:
        raise InvalidRequest(
            f"'{expression}' looks like a cron expression but isn't valid: {exc}. "
            f"Example: '0 9 * * 1' (Mondays at 09:00)."
        ) from None
    return CronTrigger(expression=expression)


def describe_cron(expression: str) -> str:
    """'at 09:00 on Monday' for simple shapes; the expression itself otherwise."""
    fields = expression.split()
    if len(fields) != 5:
        return f"cron '{expression}'"
    minute, hour, dom, mon, dow = fields
    if minute.isdigit() and hour.isdigit():
        at = f"at {int(hour):02d}:{int(minute):02d}"
    elif minute.startswith("*/") and hour == "*":
        at = f"every {minute[2:]} minutes"
    elif minute == "*" and hour == "*":
        at = "every minute"
    elif minute.isdigit() and hour == "*":
        at = f"every hour at :{int(minute):02d}"
    else:
        return f"cron '{expression}'"
    days = []
    if dow != "*":
        names = _dow_names(dow)
        if names is None:
            return f"cron '{expression}'"
        days.append("on " + names)
    if dom != "*":
        if not dom.isdigit():
            return f"cron '{expression}'"
        days.append(f"on day {int(dom)} of the month")
    if mon != "*":
        if not mon.isdigit() or not 1 <= int(mon) <= 12:
            return f"cron '{expression}'"
        days.append(f"in {MONTH_NAMES[int(mon) - 1]}")
    text = " ".join([at, *days]) if days else f"{at} every day" if at.startswith("at") else at
    return f"{text} (cron '{expression}')"


def _dow_names(dow: str) -> str | None:
    if dow == "1-5":
        return "weekdays"
    out = []
    for part in dow.split(","):
        if not part.isdigit() or int(part) > 7:
            return None
        out.append(WEEKDAY_NAMES[(int(part) - 1) % 7])
    return " and ".join(out) if len(out) <= 2 else ", ".join(out[:-1]) + " and " + out[-1]
