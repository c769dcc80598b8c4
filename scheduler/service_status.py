"""Is anything running to fire the tasks? The service's answer, from the engines' heartbeats.

Every interface asks the same question the same way: the CLI after ``task add`` and in
``cronpilot status``, the chat tools after creating a task, the HTTP API, ``/readyz``.
An engine counts as alive when its heartbeat is younger than three heartbeat intervals (one
missed beat is a busy engine, three a dead one); only engines that fire schedules count as
"running" (a CLI that runs one asked-for run in-process registers too, without schedules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import Clock
from .errors import NotFound
from .sharing import PARTITIONS
from .store.worker_store import Backlog
from .store_ports import ServiceStore
from .stuck_runs import STUCK_AFTER, StuckRun, find_stuck

NOT_RUNNING = ("saved, but nothing is running to fire it — start `cronpilot serve` or see "
               "`cronpilot service install`")
STALE_AFTER_BEATS = 3


@dataclass(frozen=True)
class EngineInfo:
    worker_id: str
    hostname: str
    pid: int
    version: str | None
    started_at: datetime
    heartbeat_at: datetime
    schedules: bool
    alive: bool
    partitions: int | None = None  # PostgreSQL: the partitions of the task space it holds

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class NextFire:
    task_id: int
    name: str
    timezone: str
    at: datetime


@dataclass(frozen=True)
class EngineStatus:
    checked_at: datetime
    engines: list[EngineInfo]
    backlog: Backlog
    next_fires: list[NextFire] = field(default_factory=list)
    stuck: list[StuckRun] = field(default_factory=list)  # runs nothing will move on (stuck_runs)
    # PostgreSQL engines sharing the schedule: partitions held per engine (None: free); empty
    # when nothing is shared (SQLite, a single engine that doesn't share)
    shares: dict[str | None, int] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        """An engine that fires schedules is alive."""
        return any(e.alive and e.schedules for e in self.engines)

    def as_dict(self) -> dict[str, Any]:
        oldest = self.backlog.oldest_due_at
        return {
            "checked_at": self.checked_at.isoformat(),
            "running": self.running,
            "engines": [e.as_dict() for e in self.engines],
            "backlog": {"due": self.backlog.due, "running": self.backlog.running,
                        "oldest_due_at": oldest.isoformat() if oldest else None},
            "next_fires": [{"task_id": f.task_id, "name": f.name, "at": f.at.isoformat()}
                           for f in self.next_fires],
            "stuck": [r.as_dict() for r in self.stuck],
            "partitions": self.partitions(),
        }

    def partitions(self) -> dict[str, Any] | None:
        """How the task space is shared: every holder's count (engines no longer registered
        too), and how many are free; None when nothing is shared."""
        if not self.shares:
            return None
        held = {owner: n for owner, n in sorted(self.shares.items(), key=lambda kv: str(kv[0])) if owner}
        return {"total": PARTITIONS, "held": held, "free": self.shares.get(None, 0)}


class Status:
    """A part of the service (``Service.status``, its methods exposed on ``Service``)."""

    def __init__(
        self, store: ServiceStore, *, clock: Clock, heartbeat: timedelta,
        next_fires: Callable[..., list[datetime]],
    ) -> None:
        self.store = store
        self.clock = clock
        self.heartbeat = heartbeat  # how often engines beat
        self.next_fires = next_fires  # the service's: a task's next fires, as the engine computes

    def engine_running(self) -> bool:
        """True when an engine that fires schedules has sent a heartbeat recently."""
        since = self.clock.now() - STALE_AFTER_BEATS * self.heartbeat
        return any(w.schedules and w.heartbeat_at >= since for w in self.store.list_workers())

    def engine_status(self, *, next_count: int = 5, with_next: bool = True) -> EngineStatus:
        """The engines (alive or stale), the runs waiting, and the soonest ``next_count`` fires
        of all tasks. Raises ``StoreUnavailable`` when the database doesn't answer."""
        now = self.clock.now()
        since = now - STALE_AFTER_BEATS * self.heartbeat
        shares = self.store.share_counts(now=now)
        engines = [
            EngineInfo(w.worker_id, w.hostname, w.pid, w.version, w.started_at, w.heartbeat_at,
                       w.schedules, alive=w.heartbeat_at >= since,
                       partitions=shares.get(w.worker_id, 0) if shares else None)
            for w in self.store.list_workers()
        ]
        upcoming: list[NextFire] = []
        if with_next:
            for task in self.store.list_tasks():
                fires = self.next_fires(task, count=1)
                if fires:
                    upcoming.append(NextFire(task.task_id, task.name, task.timezone, fires[0]))
            upcoming.sort(key=lambda f: (f.at, f.task_id))
        running = any(e.alive and e.schedules for e in engines)
        return EngineStatus(now, engines, self.store.run_backlog(now=now), upcoming[:next_count],
                            self.stuck_runs(now, engine_running=running), shares)

    def stuck_runs(self, now: datetime, *, engine_running: bool) -> list[StuckRun]:
        """Runs nothing will move on by itself (``stuck_runs``: a lease or a timeout long over,
        a due run nobody claims or that waits behind a stuck or a later run)."""
        timeouts: dict[int, timedelta | None] = {}

        def timeout_of(task_id: int) -> timedelta | None:
            if task_id not in timeouts:
                try:
                    timeouts[task_id] = self.store.get_task(task_id).timeout
                except NotFound:  # deleted since: its timeout is unknown
                    timeouts[task_id] = None
            return timeouts[task_id]

        live = self.store.live_runs(due_by=now - STUCK_AFTER)
        return find_stuck(live, now=now, timeout_of=timeout_of, engine_running=engine_running)

    def not_running_notice(self) -> str | None:
        """The sentence to tell someone who just saved a task, when no engine would fire it."""
        return None if self.engine_running() else NOT_RUNNING
