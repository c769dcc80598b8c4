"""Measures in words: instants in a zone ("Mon 12 Jan 09:00 (Europe/Berlin)"), spans of time
("90 minutes"), measured run times ("1.2 s"), repeats ("every 15 minutes"), counts with the right
plural ("1 failed run"), and text cut to a width.

Which zone to show a time in:
- a task's schedule-bound times (its next fires) in the task's zone, the zone its schedule is
  read in ("every Monday at 09:00, Europe/Berlin; next Mon 12 Jan 09:00");
- everything else (runs, created, changed) in the reader's zone.

Either way a time shown in a zone other than the reader's carries that zone, so one answer never
mixes unlabelled zones: "next Mon 12 Jan 09:00 (Europe/Berlin)" for a reader in UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
# Below this many of one unit a single unit reads best ("90 minutes"); above, two do ("1 day 6 hours").
_SINGLE_UNIT_BELOW = 120


def count_text(n: int, noun: str, plural: str | None = None) -> str:
    """'1 task', '2 tasks', '0 tasks'; ``plural`` for nouns that don't just take an 's'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def duration_text(value: timedelta) -> str:
    """A span as people say it: '30 seconds', '1 hour', '90 minutes', '1 day 6 hours 5 minutes'.

    Exact: a whole number of the largest unit that divides the span, or a sum of units when one
    unit would need a large number; fractions of a second are kept ('0.5 seconds')."""
    seconds = value.total_seconds()
    if seconds < 0:
        return "minus " + duration_text(-value)
    if seconds != int(seconds):
        return f"{seconds:g} seconds"
    whole = int(seconds)
    if whole == 0:
        return "0 seconds"
    for index, (unit, size) in enumerate(_UNITS):
        if whole % size == 0:
            n = whole // size
            if n < _SINGLE_UNIT_BELOW or index == 0:
                return count_text(n, unit)
            break
    parts = []
    for unit, size in _UNITS:
        n, whole = divmod(whole, size)
        if n:
            parts.append(count_text(n, unit))
    return " ".join(parts)


def repeat_text(value: timedelta | float) -> str:
    """How often something repeats: 'every minute', 'every 15 minutes', 'every 90 seconds'.
    A bare number is seconds."""
    span = value if isinstance(value, timedelta) else timedelta(seconds=value)
    text = duration_text(span)
    n, _, unit = text.partition(" ")
    return f"every {unit}" if n == "1" and " " not in unit else f"every {text}"


def elapsed_text(value: timedelta) -> str:
    """A measured run time, to the precision that matters: '120 ms', '1.2 s', '2 min 5 s', '1 h 3 min'."""
    seconds = value.total_seconds()
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def clip(text: str, width: int = 60) -> str:
    """``text`` on one line (runs of whitespace become one space), at most ``width`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def first_line(text: str, width: int = 200) -> str:
    """The first non-empty line of ``text``, cut to ``width`` (an error's headline)."""
    for line in str(text).splitlines():
        if line.strip():
            return clip(line, width)
    return ""


def time_text(
    instant: datetime | None,
    zone: str | ZoneInfo,
    *,
    viewer_zone: str | None = None,
    now: datetime | None = None,
    seconds: bool = False,
) -> str:
    """``instant`` (aware) as a wall time in ``zone``: 'Mon 12 Jan 09:00'.

    The year is added unless ``now`` says it is this year ('Tue 5 Jan 2027 09:00'); seconds on
    request; the zone's name when ``viewer_zone`` is given and differs ('… (Europe/Berlin)').
    None is 'never'."""
    if instant is None:
        return "never"
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = instant.astimezone(tz)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    text = f"{local:%a} {local.day} {local:%b}"
    if now is None or local.year != now.astimezone(tz).year:
        text += f" {local.year}"
    text += f" {clock}"
    if viewer_zone is not None and tz.key != viewer_zone:
        text += f" ({tz.key})"
    return text

