"""What a calendar trigger does with wall times that DST skips or repeats: the per-task policy.

A wall time inside a spring-forward gap doesn't exist; a wall time inside a fall-back overlap
happens twice. ``DstPolicy`` says what a calendar schedule (cron, RRULE) does with each:

- skipped: ``shift`` (the house rule: run at the first valid instant after the gap) or ``skip``
  (no run for that occurrence);
- repeated: ``first`` (the house rule: the first occurrence), ``last`` or ``both``.

Schedules that step through the hours (cron with ``*`` or a step at the start of the minute or
hour field, as cronie's "wildcard" jobs; RRULEs with FREQ=HOURLY/MINUTELY/SECONDLY) follow real
elapsed time instead, whatever the policy: a wall time in a gap has no run (the next step comes
right after), a repeated one runs at both instants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from . import localtime

Skipped = Literal["shift", "skip"]
Repeated = Literal["first", "last", "both"]


class DstPolicy(BaseModel):
    """A task's choice for skipped and repeated wall times (defaults: the house rule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skipped: Skipped = "shift"
    repeated: Repeated = "first"

    @property
    def is_default(self) -> bool:
        return self.skipped == "shift" and self.repeated == "first"

    def describe(self) -> str:
        """'skipped times run right after the gap; repeated times run once, at the first'."""
        skipped = {
            "shift": "skipped times run right after the gap",
            "skip": "skipped times don't run",
        }[self.skipped]
        repeated = {
            "first": "repeated times run once, at the first",
            "last": "repeated times run once, at the second",
            "both": "repeated times run twice",
        }[self.repeated]
        return f"{skipped}; {repeated}"


HOUSE_RULE = DstPolicy()


def instants(wall: datetime, zone: ZoneInfo, policy: DstPolicy | None, *,
             elapsed: bool = False) -> tuple[datetime, ...]:  # fmt: skip
    """The UTC instants (ascending) at which a schedule naming the naive ``wall`` time runs."""
    policy = policy or HOUSE_RULE
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return (first.astimezone(UTC),)
    if not localtime.exists(wall, zone):
        if elapsed or policy.skipped == "skip":
            return ()
        return (localtime.gap_end(wall, zone),)
    a, b = first.astimezone(UTC), second.astimezone(UTC)
    if elapsed or policy.repeated == "both":
        return (a, b)
    return (b,) if policy.repeated == "last" else (a,)


def first_after(walls: object, after: datetime, zone: ZoneInfo, policy: DstPolicy | None, *,
                elapsed: bool = False) -> datetime | None:  # fmt: skip
    """The first instant strictly after ``after`` among the runs of ascending naive ``walls``.

    Walls ascend but their instants need not (a fold's second occurrence comes after the first
    occurrences of the next hour's walls), so the search goes on until a wall's earliest
    possible instant is past the best found.
    """
    best: datetime | None = None
    for wall in walls:  # type: ignore[attr-defined]
        if best is not None and _lower_bound(wall, zone) > best:
            break
        for instant in instants(wall, zone, policy, elapsed=elapsed):
            if instant > after and (best is None or instant < best):
                best = instant
    return best


def _lower_bound(wall: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 of a repeated time is its earlier instant; in a gap both folds lie before the
    # shifted instant. Either way no run of ``wall`` or a later wall comes before this.
    a = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    b = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return min(a, b)
