"""Reading runs back for people: one run, lists with filters and search, a run's history,
statistics counted in the database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..errors import NotFound
from ..models import DEAD_LETTER, Run, RunEvent, RunStatus
from .base import Database
from .records import RunTally
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

    def run_stats(
        self, *, since: datetime | None = None, task_id: int | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (),
    ) -> tuple[RunTally, list[RunTally]]:
        """(all, per task by id) over ended runs created since ``since``, worked out by the
        database: one row per task comes back, never a row per run. Three reads of the period:
        counts and summed durations per task (GROUP BY); the overall p95 (the durations in order,
        one picked by OFFSET); each task's p95 (a window ranking durations within the task)."""
        scope: dict[str, Any] = {"since": since, "task_id": task_id, "owner": owner, "also_task_ids": also_task_ids}
        per_task = self._per_task(self._ended(**scope)).subquery("per_task")
        counts = (sa.select(per_task, tasks.c.name).join(tasks, tasks.c.task_id == per_task.c.task_id)
                  .order_by(per_task.c.task_id))
        with self.db.read() as conn:
            if not self.db.is_sqlite:  # a month's durations sorted in memory, not on disk
                conn.execute(sa.text("SET LOCAL work_mem = '32MB'"))
            rows = conn.execute(counts).all()
            timed = sum(int(r.timed) for r in rows)
            overall_p95 = self._overall_p95(conn, scope, timed)
            p95s = self._task_p95s(conn, scope, None) if rows else {}
        tallies = [RunTally(task_id=int(r.task_id), name=r.name, runs=int(r.runs), completed=int(r.completed),
                            failed=int(r.failed), skipped=int(r.skipped), timed=int(r.timed),
                            duration_us=int(r.us), p95_us=p95s.get(int(r.task_id))) for r in rows]
        overall = RunTally(
            task_id=None, name="all tasks", runs=sum(t.runs for t in tallies),
            completed=sum(t.completed for t in tallies), failed=sum(t.failed for t in tallies),
            skipped=sum(t.skipped for t in tallies), timed=timed,
            duration_us=sum(t.duration_us for t in tallies), p95_us=overall_p95)
        return overall, tallies

    def run_stats_page(
        self, *, since: datetime | None = None, owner: str | None = None, also_task_ids: Sequence[int] = (),
        offset: int = 0, limit: int = 50, failing: int = 10,
    ) -> tuple[RunTally, list[RunTally], int, list[RunTally]]:
        """What a stats screen shows, with the numbers of ``run_stats``: (all, one page of the
        per-task list in task id order with their p95, how many tasks that list has, the
        ``failing`` tasks with the most failures, most first; their p95 is None). The per-task
        counts are grouped once (a CTE) and only the page, the worst and the totals come back."""
        scope: dict[str, Any] = {"since": since, "task_id": None, "owner": owner, "also_task_ids": also_task_ids}
        per_task = self._per_task(self._ended(**scope)).cte("per_task")
        columns = [per_task.c.task_id, per_task.c.runs, per_task.c.completed, per_task.c.failed,
                   per_task.c.skipped, per_task.c.timed, per_task.c.us]
        page = sa.select(sa.literal("page").label("part"), *columns).order_by(per_task.c.task_id) \
            .limit(limit).offset(offset).subquery("page")
        worst = sa.select(sa.literal("failing").label("part"), *columns).where(per_task.c.failed > 0) \
            .order_by(per_task.c.failed.desc(), per_task.c.task_id).limit(failing).subquery("worst")
        totals = sa.select(sa.literal("total").label("part"), sa.func.count(),
                           *(sa.func.coalesce(sa.func.sum(c), 0) for c in columns[1:]))
        query = sa.union_all(sa.select(page), sa.select(worst), totals)
        with self.db.read() as conn:
            if not self.db.is_sqlite:  # a month's durations sorted in memory, not on disk
                conn.execute(sa.text("SET LOCAL work_mem = '32MB'"))
            rows = conn.execute(query).all()
            total = next(r for r in rows if r[0] == "total")
            shown = {int(r[1]) for r in rows if r[0] != "total"}
            names = dict(conn.execute(sa.select(tasks.c.task_id, tasks.c.name).where(tasks.c.task_id.in_(shown)))
                         .all()) if shown else {}
            page_ids = {int(r[1]) for r in rows if r[0] == "page"}
            p95s = self._task_p95s(conn, scope, page_ids) if page_ids else {}
            overall_p95 = self._overall_p95(conn, scope, int(total[6]))

        def tally(r: Any, p95: int | None) -> RunTally:
            return RunTally(task_id=int(r[1]), name=names[int(r[1])], runs=int(r[2]), completed=int(r[3]),
                            failed=int(r[4]), skipped=int(r[5]), timed=int(r[6]), duration_us=int(r[7]), p95_us=p95)

        overall = RunTally(task_id=None, name="all tasks", runs=int(total[2]), completed=int(total[3]),
                           failed=int(total[4]), skipped=int(total[5]), timed=int(total[6]),
                           duration_us=int(total[7]), p95_us=overall_p95)
        return (overall, [tally(r, p95s.get(int(r[1]))) for r in rows if r[0] == "page"], int(total[1]),
                [tally(r, None) for r in rows if r[0] == "failing"])

    @staticmethod
    def _per_task(ended: sa.Subquery) -> sa.Select[Any]:
        """Counts and summed durations per task (GROUP BY) of ``_ended``'s rows."""
        def counted(status: RunStatus) -> sa.ColumnElement[int]:
            return sa.func.coalesce(sa.func.sum(sa.case((ended.c.status == status.value, 1), else_=0)), 0)

        return sa.select(
            ended.c.task_id, sa.func.count().label("runs"), counted(RunStatus.COMPLETED).label("completed"),
            counted(RunStatus.FAILED).label("failed"), counted(RunStatus.SKIPPED).label("skipped"),
            sa.func.count(ended.c.us).label("timed"), sa.func.coalesce(sa.func.sum(ended.c.us), 0).label("us"),
        ).group_by(ended.c.task_id)

    def _overall_p95(self, conn: sa.Connection, scope: dict[str, Any], timed: int) -> int | None:
        """The p95 of all ``timed`` durations in scope: in order, the one at Python's
        ``round(0.95 * (timed - 1))``, picked by OFFSET."""
        if not timed:
            return None
        ended = self._ended(**scope)
        return int(conn.execute(
            sa.select(ended.c.us).where(ended.c.us.is_not(None)).order_by(ended.c.us)
            .limit(1).offset(round(0.95 * (timed - 1)))
        ).scalar_one())

    def _task_p95s(self, conn: sa.Connection, scope: dict[str, Any], task_ids: set[int] | None) -> dict[int, int]:
        """Each task's p95 duration (µs): durations ranked within their task, the rank Python's
        ``round(0.95 * (n - 1))`` picked; only ``task_ids`` when given."""
        ended = self._ended(**scope, only=task_ids)
        ranked = sa.select(
            ended.c.task_id, ended.c.us,
            (sa.func.row_number().over(partition_by=ended.c.task_id, order_by=ended.c.us) - 1).label("k"),
            sa.func.count().over(partition_by=ended.c.task_id).label("n"),
        ).where(ended.c.us.is_not(None)).subquery("ranked")
        picked = sa.select(ranked.c.task_id, ranked.c.us).where(ranked.c.k == _p95_index(ranked.c.n))
        return {int(task): int(us) for task, us in conn.execute(picked)}

    def _ended(
        self, *, since: datetime | None, task_id: int | None, owner: str | None, also_task_ids: Sequence[int],
        only: Collection[int] | None = None,
    ) -> sa.Subquery:
        """(task_id, status, us) of the ended runs in scope; ``us``: the run's duration in
        microseconds when it completed or failed with a start and an end, else NULL."""
        timed = sa.and_(runs.c.status.in_([RunStatus.COMPLETED.value, RunStatus.FAILED.value]),
                        runs.c.started_at.is_not(None), runs.c.finished_at.is_not(None))
        duration = self._duration_us()
        # ``task_id + 0``: no index can give that order, so SQLite reads the period through
        # ``ix_runs_created_at`` rather than walking every run in ``ix_runs_task`` to skip a sort.
        query = (
            sa.select((runs.c.task_id + 0).label("task_id"), runs.c.status, sa.case((timed, duration)).label("us"))
            .where(runs.c.status.notin_([RunStatus.PENDING.value, RunStatus.RUNNING.value]))
        )
        if since is not None:
            query = query.where(runs.c.created_at >= since)
        if task_id is not None:
            query = query.where(runs.c.task_id == task_id)
        if owner is not None:  # (every run has its task row: only an owner's scope needs the join)
            query = query.join(tasks, tasks.c.task_id == runs.c.task_id).where(_owned_or(owner, also_task_ids))
        if only is not None:
            query = query.where(runs.c.task_id.in_(sorted(only)))
        return query.subquery("ended")

    def _duration_us(self) -> sa.ColumnElement[int]:
        """A run's ``finished_at - started_at`` in whole microseconds, exactly. PostgreSQL: the
        interval's seconds as a double (exact to the microsecond for any run shorter than a
        century), rounded. SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' (microseconds always):
        whole seconds from julianday() of the first 19 characters (julianday keeps milliseconds,
        so whole seconds come out exact once rounded), microseconds from the last six."""
        finished, started = runs.c.finished_at, runs.c.started_at
        if not self.db.is_sqlite:
            return sa.cast(sa.func.round(sa.func.date_part("epoch", finished - started) * 1_000_000), sa.BigInteger)

        def whole_days(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[float]:
            return sa.func.julianday(sa.func.substr(column, 1, 19))

        def micros(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[int]:
            return sa.cast(sa.func.substr(column, 21, 6), sa.BigInteger)

        seconds = sa.cast(sa.func.round((whole_days(finished) - whole_days(started)) * 86_400), sa.BigInteger)
        return seconds * 1_000_000 + (micros(finished) - micros(started))

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


def _p95_index(count: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """``round(0.95 * (count - 1))`` as Python rounds it (half to even), in integers: 0.95 * m
    is 19m / 20, a tie exactly when 19m % 20 == 10. (Python's float product lands on the same
    integer: its error is below half a unit in the last place.)"""
    scaled = (count - 1) * 19
    whole, rest = scaled // 20, scaled % 20
    up = sa.or_(rest > 10, sa.and_(rest == 10, whole % 2 == 1))
    return whole + sa.case((up, 1), else_=0)
