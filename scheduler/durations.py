"""Durations people type: '15m', '1h30m', '90s', '2d', '1w', or plain seconds. (Said back to
them by ``scheduler.wording.duration_text``.)"""

from __future__ import annotations

import re
from datetime import timedelta

from .errors import InvalidRequest

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|min|m|sec|s)", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """Parse a positive duration; raise ``InvalidRequest`` with an example otherwise."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        seconds = float(raw)
    else:
        pos = 0
        seconds = 0.0
        for match in _PART.finditer(raw):
            if raw[pos : match.start()].strip():
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2).lower()]
            pos = match.end()
        if pos == 0 or raw[pos:].strip():
            raise InvalidRequest(f"can't read {text!r} as a duration; use e.g. 90s, 15m, 1h30m, 2d")
    if seconds <= 0:
        raise InvalidRequest(f"a duration must be positive, got {text!r}")
    if seconds > 3660 * 86400:
        raise InvalidRequest(f"{text!r} is longer than 10 years")
    return timedelta(seconds=seconds)

