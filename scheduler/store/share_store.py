"""The partitions of the task space engines share (``scheduler/sharing.py`` says how and why):
who holds which under what lease, and the cursors of a partition's tasks for the engine that
takes it over."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..errors import StoreUnavailable
from ..sharing import PARTITIONS, ShareRow, divide
from .base import Database
from .dialect import insert
from .tables import engine_shares, tasks, workers

_LOCK_WAIT = "200ms"  # the longest an engine waits for another's look at the partitions
_LOCK_TIMEOUT = "55P03"  # lock_not_available


def _bound_lock_waits(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SET LOCAL lock_timeout = '{_LOCK_WAIT}'"))


def _lock_waited(exc: StoreUnavailable) -> bool:
    cause = exc.__cause__
    orig = getattr(cause, "orig", cause)
    return getattr(orig, "sqlstate", None) == _LOCK_TIMEOUT


class ShareRows:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._seeded = False

    def share_partitions(self, worker_id: str, *, now: datetime, lease: timedelta) -> list[int] | None:
        """Mark ``worker_id`` alive, let go of what it holds beyond its fair share among the
        live engines, take free or expired partitions up to it, renew the rest: the partitions
        it now holds, in order. One transaction that locks the partition rows, so engines
        dividing at once take turns (a few ms each); but none waits long for another (a
        starved process holding the rows would stall every engine's store thread): past
        ``_LOCK_WAIT`` it only renews what it holds, or, if even that waits, returns None
        (nothing known: the caller keeps what it had and looks again soon)."""
        if not self._seeded:
            self._seed(now)
        try:
            return self._divide(worker_id, now=now, lease=lease)
        except StoreUnavailable as exc:
            if not _lock_waited(exc):
                raise
        try:
            return self._renew(worker_id, now=now, lease=lease)
        except StoreUnavailable as exc:
            if not _lock_waited(exc):
                raise
        return None

    def _divide(self, worker_id: str, *, now: datetime, lease: timedelta) -> list[int]:
        with self.db.write() as conn:
            _bound_lock_waits(conn)
            conn.execute(workers.update().where(workers.c.worker_id == worker_id).values(heartbeat_at=now))
            live = list(conn.execute(
                sa.select(workers.c.worker_id).where(workers.c.schedules.is_(True),
                                                     workers.c.heartbeat_at > now - lease)
            ).scalars())
            rows = [ShareRow(*row) for row in conn.execute(
                sa.select(engine_shares.c.partition, engine_shares.c.owner, engine_shares.c.lease_expires_at)
                .order_by(engine_shares.c.partition).with_for_update()
            ).all()]
            division = divide(rows, me=worker_id, live=live, now=now, orphaned_before=now - lease)
            if division.release:
                conn.execute(engine_shares.update()
                             .where(engine_shares.c.partition.in_(division.release))
                             .values(owner=None, lease_expires_at=now))
            held = sorted(division.keep + division.take)
            if held:
                conn.execute(engine_shares.update().where(engine_shares.c.partition.in_(held))
                             .values(owner=worker_id, lease_expires_at=now + lease))
        return held

    def _renew(self, worker_id: str, *, now: datetime, lease: timedelta) -> list[int]:
        with self.db.write() as conn:
            _bound_lock_waits(conn)
            conn.execute(workers.update().where(workers.c.worker_id == worker_id).values(heartbeat_at=now))
            return sorted(conn.execute(
                engine_shares.update()
                .where(engine_shares.c.owner == worker_id, engine_shares.c.lease_expires_at > now)
                .values(lease_expires_at=now + lease).returning(engine_shares.c.partition)
            ).scalars())

    def release_partitions(self, worker_id: str, *, now: datetime) -> None:
        """``worker_id`` stops: its partitions are free now (taken at the others' next look)."""
        with self.db.write() as conn:
            conn.execute(engine_shares.update().where(engine_shares.c.owner == worker_id)
                         .values(owner=None, lease_expires_at=now))

    def share_holders(self) -> dict[int, str | None]:
        """Every partition's holder (status, tests)."""
        with self.db.read() as conn:
            return dict(conn.execute(sa.select(engine_shares.c.partition, engine_shares.c.owner)).all())

    def share_counts(self, *, now: datetime) -> dict[str | None, int]:
        """How many partitions each engine holds under a lease not yet over at ``now``; under
        None the free ones (never taken, let go, or their holder's lease over). Empty when
        nothing is shared (SQLite, or no engine has looked yet)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(engine_shares.c.owner, engine_shares.c.lease_expires_at)).all()
        counts: dict[str | None, int] = {}
        for owner, until in rows:
            holder = owner if owner is not None and until is not None and until > now else None
            counts[holder] = counts.get(holder, 0) + 1
        return counts

    def partition_cursors(self, partitions: Iterable[int]) -> dict[int, datetime]:
        """The stored cursor (fires at or before it are recorded) of every live task in
        ``partitions``: where an engine taking them over starts."""
        wanted = sorted(set(partitions))
        if not wanted:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(tasks.c.task_id, sa.func.coalesce(tasks.c.last_fire_at, tasks.c.created_at))
                .where(tasks.c.deleted_at.is_(None), (tasks.c.task_id % PARTITIONS).in_(wanted))
            ).all()
        return {task_id: at for task_id, at in rows}  # coalesce keeps UTCDateTime: aware UTC

    def _seed(self, now: datetime) -> None:
        """The partition rows, free, once per database (the first engine's first look)."""
        with self.db.write() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(engine_shares)).scalar()
            if count != PARTITIONS:
                conn.execute(insert(self.db.engine, engine_shares).values(
                    [{"partition": p, "owner": None, "lease_expires_at": now} for p in range(PARTITIONS)]
                ).on_conflict_do_nothing())
        self._seeded = True
