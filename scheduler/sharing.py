"""Engines share the scheduling work instead of repeating it (PostgreSQL).

Without this every engine on one database computed every task's fires and the unique key on
(task, fire time, attempt) dropped the copies: adding engines added work. Now the task space is
cut into ``PARTITIONS`` fixed partitions (``task_id % PARTITIONS``); each is held by one engine
under a lease in ``engine_shares`` (migration 0015), and an engine computes the fires of the
tasks in the partitions it holds, about 1/N of them with N live engines.

Every ``share_interval`` (about a second) each engine, in one short transaction that locks the
partition rows (``store/share_store.py``):

- marks itself alive (its ``workers`` heartbeat: the same row ``cronpilot status`` reads);
- reads the live engines (heartbeat within ``share_lease``), in id order, and its fair share:
  ``PARTITIONS // N``, one more for the first ``PARTITIONS % N`` of them;
- releases what it holds beyond its share (an engine joined), takes free or expired partitions
  up to its share (one left, or died), and renews the leases of what it keeps;
- takes any partition left free for longer than a lease whatever its share (an older engine
  that doesn't share, or a share nobody took): nothing stays uncomputed.

Takeover: a graceful stop releases at once (the others take over at their next look, within
``share_interval``); an engine killed with -9 is taken over when its leases end, within
``share_lease + share_interval`` (10 + 1 s by default; ``CRONPILOT_SHARE_LEASE``). The fires that
came due meanwhile are computed by the new holder from the task's stored cursor
(``tasks.last_fire_at``, advanced in the same transaction as the fires), late, and follow the
misfire policy as after any outage: none is lost. An engine also stops computing on its own once
its last renewal is older than the lease (a stalled engine never computes beside the next
holder for long); should two ever compute one fire anyway (clocks apart), the unique key still
records it once. Claims of runs are untouched: ``FOR UPDATE SKIP LOCKED``, by any engine.

SQLite (one process, usually): no partitions; the engine computes everything, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

PARTITIONS = 64  # fixed: every engine on one database must agree (task_id % PARTITIONS)


def partition_of(task_id: int) -> int:
    return task_id % PARTITIONS


def fair_share(me: str, live: Sequence[str]) -> int:
    """How many partitions ``me`` should hold among the ``live`` engines (``me`` among them)."""
    ordered = sorted(set(live) | {me})
    count = len(ordered)
    return PARTITIONS // count + (1 if ordered.index(me) < PARTITIONS % count else 0)


@dataclass(frozen=True)
class ShareRow:
    partition: int
    owner: str | None
    lease_expires_at: datetime | None


@dataclass(frozen=True)
class Division:
    keep: list[int]  # held and renewed
    release: list[int]  # held beyond the share: let go
    take: list[int]  # free or expired: taken


def divide(rows: Sequence[ShareRow], *, me: str, live: Sequence[str], now: datetime,
           orphaned_before: datetime) -> Division:
    """What ``me`` keeps, lets go and takes, given every partition's row (read under lock)."""
    share = fair_share(me, live)
    mine = sorted(r.partition for r in rows if r.owner == me and r.lease_expires_at is not None
                  and r.lease_expires_at > now)
    keep, release = mine[:share], mine[share:]
    free = [r for r in rows if r.partition not in mine and (
        r.owner is None or r.lease_expires_at is None or r.lease_expires_at <= now)]
    take = [r.partition for r in free][:max(0, share - len(keep))]
    # Free for longer than a lease and still nobody's: taken whatever the share says.
    take += [r.partition for r in free if r.partition not in take and r.lease_expires_at is not None
             and r.lease_expires_at <= orphaned_before]
    return Division(keep=keep, release=release, take=sorted(take))
