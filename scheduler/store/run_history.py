"""Reading runs back for people: one run, lists with filters and search, a run's history,
timings for statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from ..errors import NotFound
from ..models import DEAD_LETTER, Run, RunEvent, RunStatus
from .base import Database
from .run_rows import run_from_row
from .tables import run_events, runs, tasks


class RunHistory:
    """Runs as people look at them (never on the engine's path)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get_run(self, run_id: int) -> Run:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(runs, tasks.c.name.label("task_name"))
                .join(tasks, tasks.c.task_id == runs.c.task_id)
                .where(runs.c.run_id == run_id)
            ).first()
        if row is None:
            raise NotFound(f"no run with id {run_id}")
        return run_from_row(row, row.task_name)

    def list_runs(
        self,
        *,
        task_id: int | None = None,
        statuses: Sequence[RunStatus] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
        owner: str | None = None,
        workflow_run_id: int | None = None,
        limit: int = 50,
        before_run_id: int | None = None,
        dead: bool = False,
        also_task_ids: Sequence[int] = (),
    ) -> list[Run]:
        """Newest first. ``since``/``until`` bound the creation time; ``search`` matches output and
        errors case-insensitively; ``before_run_id`` pages back (runs older than that one);
        ``owner``: that person's tasks and ``also_task_ids`` (shared)."""
        query = (
            sa.select(runs, tasks.c.name.label("task_name"))
            .join(tasks, tasks.c.task_id == runs.c.task_id)
            .order_by(runs.c.run_id.desc())
            .limit(limit)
        )
        if task_id is not None:
            query = query.where(runs.c.task_id == task_id)
        if statuses:
            query = query.where(runs.c.status.in_([s.value for s in statuses]))
        if since is not None:
            query = query.where(runs.c.created_at >= since)
        if until is not None:
            query = query.where(runs.c.created_at < until)
        if owner is not None:
            query = query.where(_owned_or(owner, also_task_ids))
        if workflow_run_id is not None:
            query = query.where(runs.c.workflow_run_id == workflow_run_id)
        if before_run_id is not None:
            query = query.where(runs.c.run_id < before_run_id)
        if dead:
            query = query.where(runs.c.status == RunStatus.FAILED.value, runs.c.error.like(f"{DEAD_LETTER}:%"))
        if search:
            pattern = f"%{search.replace(chr(92), chr(92) * 2).replace('%', chr(92) + '%').replace('_', chr(92) + '_')}%"
            query = query.where(
                sa.or_(*(col.ilike(pattern, escape="\\") for col in (runs.c.stdout, runs.c.stderr, runs.c.error)))
            )
        with self.db.read() as conn:
            return [run_from_row(row, row.task_name) for row in conn.execute(query)]

    def move_log(self, run_id: int, *, old: str, new: str) -> bool:
        """Point a run's log at ``new`` (an archived copy) if it still points at ``old``."""
        with self.db.write() as conn:
            moved = conn.execute(
                runs.update().where(runs.c.run_id == run_id, runs.c.log_path == old).values(log_path=new)
            )
        return bool(moved.rowcount)

    def run_history(self, run_id: int) -> list[RunEvent]:
        with self.db.read() as conn:
            rows = conn.execute(
                run_events.select().where(run_events.c.run_id == run_id).order_by(run_events.c.event_id)
            )
            return [RunEvent(run_id=r.run_id, status=r.status, at=r.at, message=r.message) for r in rows]

    def run_timings(
        self, *, since: datetime | None = None, task_id: int | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (),
    ) -> list[tuple[int, str, str, datetime | None, datetime | None, datetime]]:
        """(task_id, task name, status, started_at, finished_at, created_at) of ended runs, for stats."""
        query = (
            sa.select(runs.c.task_id, tasks.c.name, runs.c.status, runs.c.started_at,
                      runs.c.finished_at, runs.c.created_at)
            .join(tasks, tasks.c.task_id == runs.c.task_id)
            .where(runs.c.status.notin_([RunStatus.PENDING.value, RunStatus.RUNNING.value]))
        )
        if since is not None:
            query = query.where(runs.c.created_at >= since)
        if task_id is not None:
            query = query.where(runs.c.task_id == task_id)
        if owner is not None:
            query = query.where(_owned_or(owner, also_task_ids))
        with self.db.read() as conn:
            return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in conn.execute(query)]

    # --- the change feed people's screens follow (the dashboard's live updates) ----------------

    def last_run_event_id(self) -> int:
        """The newest run status change's id (0: none yet): where a change cursor starts."""
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.max(run_events.c.event_id))).scalar() or 0)

    def run_changes_since(self, event_id: int, *, limit: int = 500) -> list[tuple[int, int, int, str]]:
        """(event id, run id, task id, status) of each run status change after ``event_id``,
        oldest first: one indexed range read, whichever process made the change."""
        query = (
            sa.select(run_events.c.event_id, run_events.c.run_id, runs.c.task_id, run_events.c.status)
            .join(runs, runs.c.run_id == run_events.c.run_id)
            .where(run_events.c.event_id > event_id)
            .order_by(run_events.c.event_id)
            .limit(limit)
        )
        with self.db.read() as conn:
            return [(int(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in conn.execute(query)]

    def latest_runs(self, task_ids: Sequence[int]) -> dict[int, Run]:
        """Each task's newest run (tasks that never ran are absent): a page of tasks' last outcome,
        one index probe per task rather than a scan of the runs."""
        if not task_ids:
            return {}
        # Two steps, each on an index: the newest run id per task from (task_id, run_id), then
        # those rows by key. (One correlated query let SQLite walk the runs table instead.)
        newest = (
            sa.select(sa.func.max(runs.c.run_id))
            .where(runs.c.task_id.in_(list(task_ids)))
            .group_by(runs.c.task_id)
        )
        with self.db.read() as conn:
            ids = [int(r[0]) for r in conn.execute(newest)]
            if not ids:
                return {}
            query = (
                sa.select(runs, tasks.c.name.label("task_name"))
                .join(tasks, tasks.c.task_id == runs.c.task_id)
                .where(runs.c.run_id.in_(ids))
            )
            return {row.task_id: run_from_row(row, row.task_name) for row in conn.execute(query)}

def _owned_or(owner: str, task_ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """Runs of ``owner``'s tasks, and of ``task_ids`` (tasks shared with them)."""
    mine = tasks.c.owner == owner
    return sa.or_(mine, tasks.c.task_id.in_(list(task_ids))) if task_ids else mine
