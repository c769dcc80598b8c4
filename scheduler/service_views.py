"""The service's part for screens that show many things at once (the web dashboard): a page of
tasks with each one's last run, and the change feed that keeps an open page current.

Same visibility rules as the rest of the service: non-admins see their own tasks only. Every read
is bounded (a page, a cursor step), so a screen costs the same with ten tasks or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .access import Actor, Role
from .models import Run, Task, TaskStatus
from .store_ports import RunStore, TaskStore


class ViewStore(TaskStore, RunStore, Protocol):
    """Tasks and runs, read in pages and as a change feed."""


@dataclass(frozen=True)
class TaskPage:
    tasks: list[Task]
    total: int  # how many match in all
    latest: dict[int, Run]  # each shown task's newest run


@dataclass
class Period:
    """Ended runs in one hour or day (the viewer's), for a chart over time."""

    start: datetime  # aware, in the viewer's zone
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    late_seconds: float = 0.0
    started: int = 0

    @property
    def runs(self) -> int:
        return self.completed + self.failed + self.skipped

    @property
    def avg_late_s(self) -> float | None:
        """How late runs started on average (None: none started)."""
        return self.late_seconds / self.started if self.started else None


@dataclass(frozen=True)
class Cursor:
    """Where a reader of the change feed stands: the last run status change and task revision
    it has seen."""

    run_event: int = 0
    task_revision: int = 0


@dataclass(frozen=True)
class Change:
    """One thing that changed: a run's status (``run_id`` set) or a task (``run_id`` None;
    ``status`` "deleted" when it went)."""

    task_id: int
    status: str
    run_id: int | None = None


@dataclass(frozen=True)
class Changes:
    cursor: Cursor
    items: list[Change] = field(default_factory=list)
    more: bool = False  # a read stopped at its limit: more changes wait after ``cursor``


class Views:
    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def task_page(
        self, *, actor: Actor, status: TaskStatus | None = None, kind: str | None = None,
        owner: str | None = None, search: str | None = None, offset: int = 0, limit: int = 50,
    ) -> TaskPage:
        """One page of the tasks ``actor`` may see (admins: filter by ``owner``), with their last runs."""
        if actor.role != Role.ADMIN:
            owner = actor.user
        total, tasks = self.store.page_tasks(owner=owner or None, status=status, action_kind=kind or None,
                                             name_contains=search or None, offset=offset,
                                             limit=max(1, min(limit, 200)))
        return TaskPage(tasks=tasks, total=total, latest=self.store.latest_runs([t.task_id for t in tasks]))

    def activity(
        self, *, since: datetime, now: datetime, zone: str, by: str = "day", owner: str | None = None,
        also_task_ids: list[int] | None = None,
    ) -> list[Period]:
        """Ended runs per hour or per day of ``zone`` from ``since`` to ``now``, every period
        present (quiet ones as zeros, so a chart's gaps are real). The database counts per UTC
        hour; hours fold into the viewer's days here (exact for zones a whole number of hours
        from UTC; a half-hour zone's day takes its edge hours whole)."""
        tz = ZoneInfo(zone)
        periods: dict[datetime, Period] = {}
        start = _period_start(since.astimezone(tz), by)
        while start <= now.astimezone(tz):
            periods[start] = Period(start=start)
            start = _next_period(start, by)
        for hour in self.store.hourly_activity(since=since, now=now, owner=owner,
                                                   also_task_ids=also_task_ids or ()):
            key = _period_start(hour.hour.astimezone(tz), by)
            period = periods.setdefault(key, Period(start=key))
            period.completed += hour.completed
            period.failed += hour.failed
            period.skipped += hour.skipped
            period.late_seconds += hour.late_seconds
            period.started += hour.started
        return [periods[k] for k in sorted(periods)]

    def change_cursor(self) -> Cursor:
        """The feed's present position: a reader starting here sees only what changes next."""
        return Cursor(run_event=self.store.last_run_event_id(), task_revision=self.store.task_revision())

    def changes_since(self, cursor: Cursor, *, limit: int = 500) -> Changes:
        """What changed after ``cursor`` (two indexed range reads, whichever process made the
        changes; at most ``limit`` of each, ``more`` set when one stopped there), and the cursor
        to ask from next. Not filtered by person: callers show each
        reader only what they may see."""
        items: list[Change] = []
        run_event, revision = cursor.run_event, cursor.task_revision
        run_rows = self.store.run_changes_since(run_event, limit=limit)
        for event_id, run_id, task_id, status in run_rows:
            items.append(Change(task_id=task_id, status=status, run_id=run_id))
            run_event = event_id
        task_rows = self.store.task_changes_since(revision, limit=limit)
        for rev, task_id, status, deleted in task_rows:
            items.append(Change(task_id=task_id, status="deleted" if deleted else status))
            revision = rev
        more = len(run_rows) >= limit or len(task_rows) >= limit
        return Changes(cursor=Cursor(run_event=run_event, task_revision=revision), items=items, more=more)


def _period_start(local: datetime, by: str) -> datetime:
    hour = local.replace(minute=0, second=0, microsecond=0)
    if by == "hour":
        return hour
    # Midnight of that day in the same zone (a DST day is 23 or 25 hours: still one day).
    tz = local.tzinfo
    return datetime(local.year, local.month, local.day, tzinfo=tz)


def _next_period(start: datetime, by: str) -> datetime:
    if by == "hour":  # through UTC: a wall-clock hour may repeat or vanish at a DST change
        return (start.astimezone(ZoneInfo("UTC")) + timedelta(hours=1)).astimezone(start.tzinfo)
    day = start.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=start.tzinfo)
