"""Cron expressions given as they are ("0 9 * * 1", "*/5 * * * *", "@daily"). Their description
is ``scheduler.wording``'s, as for any stored cron trigger ("every Monday at 09:00").
"""

from __future__ import annotations

import re

from scheduler.errors import InvalidRequest
from scheduler.triggers import CronTrigger
from scheduler.triggers.cron import normalize_expression

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
