"""Engines announce themselves, so a CLI can tell whether one is running to pick up its work,
and ``cronpilot status`` can list them with their version and the work waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..models import RunStatus
from ..process_identity import this_process
from .base import Database
from .tables import PENDING_RUNS, runs, tasks, workers


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    version: str | None
    schedules: bool  # fires schedules (a serving engine), not only runs it was asked for
    boot_id: str | None = None  # which boot of its host, and when its process started:
    proc_start: int | None = None  # together they prove it gone (``process_identity``)


@dataclass(frozen=True)
class Backlog:
    due: int  # pending runs whose time has come and that no engine has claimed yet
    running: int
    oldest_due_at: datetime | None


@dataclass(frozen=True)
class LiveRun:
    """A run that is running or waits to (``cronpilot status``'s look for stuck runs)."""

    run_id: int
    task_id: int
    task_name: str
    status: RunStatus
    reason: str  # RunReason's value: schedule, retry, manual...
    attempt: int
    due_at: datetime
    started_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None


class WorkerRows:
    """One row per running engine, with its heartbeat; how much work waits; a ping."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def register_worker(
        self, worker_id: str, *, now: datetime, version: str | None = None, schedules: bool = True
    ) -> None:
        with self.db.write() as conn:
            me = this_process()
            conn.execute(workers.delete().where(workers.c.worker_id == worker_id))
            conn.execute(
                workers.insert().values(
                    worker_id=worker_id, hostname=me.host, pid=me.pid, boot_id=me.boot_id,
                    proc_start=me.start_ticks, started_at=now, heartbeat_at=now, version=version,
                    schedules=schedules,
                )
            )

    def heartbeat_worker(self, worker_id: str, *, now: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(workers.update().where(workers.c.worker_id == worker_id).values(heartbeat_at=now))

    def unregister_worker(self, worker_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(workers.delete().where(workers.c.worker_id == worker_id))

    def live_workers(self, *, since: datetime) -> list[str]:
        with self.db.read() as conn:
            return list(
                conn.execute(sa.select(workers.c.worker_id).where(workers.c.heartbeat_at >= since)).scalars()
            )

    def list_workers(self) -> list[WorkerRow]:
        """Every registered worker, newest heartbeat first (stale ones included: a process
        that died without unregistering stays until another registers under its id)."""
        columns = [workers.c[name] for name in WorkerRow.__dataclass_fields__]
        with self.db.read() as conn:
            rows = conn.execute(sa.select(*columns).order_by(workers.c.heartbeat_at.desc())).all()
        return [WorkerRow(*row) for row in rows]

    def run_backlog(self, *, now: datetime) -> Backlog:
        """How much work waits: due pending runs (the queue) and running runs."""
        with self.db.read() as conn:
            due, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(runs.c.due_at))
                .where(PENDING_RUNS, runs.c.due_at <= now)
            ).one()
            running = conn.execute(
                sa.select(sa.func.count()).select_from(runs).where(runs.c.status == RunStatus.RUNNING.value)
            ).scalar()
        return Backlog(due=int(due or 0), running=int(running or 0), oldest_due_at=oldest)

    def live_runs(self, *, due_by: datetime, limit: int = 200) -> list[LiveRun]:
        """Every running run, and the pending runs due by ``due_by`` (the earliest due first, at
        most ``limit`` of each), with their task's name."""
        columns = (runs.c.run_id, runs.c.task_id, tasks.c.name, runs.c.status, runs.c.reason, runs.c.attempt,
                   runs.c.due_at, runs.c.started_at, runs.c.lease_owner, runs.c.lease_expires_at)  # fmt: skip
        base = sa.select(*columns).join(tasks, tasks.c.task_id == runs.c.task_id)
        running = base.where(runs.c.status == RunStatus.RUNNING.value).order_by(runs.c.started_at).limit(limit)
        waiting = (base.where(PENDING_RUNS, runs.c.due_at <= due_by)
                   .order_by(runs.c.due_at, runs.c.run_id).limit(limit))  # fmt: skip
        with self.db.read() as conn:
            rows = [*conn.execute(running), *conn.execute(waiting)]
        return [LiveRun(r[0], r[1], r[2], RunStatus(r[3]), r[4], r[5], *r[6:]) for r in rows]

    def ping(self) -> None:
        """One round trip to the database; raises ``StoreUnavailable`` when it doesn't answer."""
        with self.db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
