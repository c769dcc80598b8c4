"""Turning local wall times into instants, with cronpilot's DST rule.

A wall time skipped by spring-forward resolves to the first valid instant after it (the end of
the gap); a repeated wall time resolves to its first occurrence (fold=0). Instants are compared
in UTC only: two aware datetimes in one ZoneInfo compare equal across the fold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    """True when the naive wall time ``wall`` happens in ``zone`` (is not inside a DST gap)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def is_repeated(wall: datetime, zone: ZoneInfo) -> bool:
    """True when ``wall`` happens twice in ``zone`` (inside a fall-back overlap)."""
    first = wall.replace(tzinfo=zone, fold=0).utcoffset()
    second = wall.replace(tzinfo=zone, fold=1).utcoffset()
    return first != second and exists(wall, zone)


def resolve(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time under the DST rule."""
    if exists(wall, zone):
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return gap_end(wall, zone)


def gap_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after the DST gap that swallows ``wall`` (UTC)."""
    before = wall.replace(tzinfo=zone, fold=0).utcoffset() or timedelta(0)
    after = wall.replace(tzinfo=zone, fold=1).utcoffset() or timedelta(0)
    return transition((wall - max(before, after)).replace(tzinfo=UTC),
                      (wall - min(before, after)).replace(tzinfo=UTC), zone)


def transition(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The instant (UTC, to the second) where ``zone``'s offset changes between ``low`` and
    ``high``, which hold one change: a binary search for the first with ``high``'s offset."""
    target = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).utcoffset() == target:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone)
