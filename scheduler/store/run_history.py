"""Reading runs back for people: one run, lists with filters and search, a run's history,
statistics counted in the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..errors import NotFound
from ..models import DEAD_LETTER, Run, RunEvent, RunStatus
from .base import Database
from .records import RunTally
from .run_rollups import RUN_FIGURE_COLUMNS, Figures, Rolled, RunRollups
from .run_rows import run_from_row
from .tables import run_events, runs, tasks


class RunHistory:
    """Runs as people look at them (never on the engine's path)."""

    def __init__(self, db: Database, rollups: RunRollups | None = None) -> None:
        self.db = db
        self.rollups = rollups or RunRollups(db)

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
        self, *, since: datetime | None = None, now: datetime | None = None, owner: str | None = None,
        also_task_ids: Sequence[int] = (), offset: int = 0, limit: int = 50, failing: int = 10,
    ) -> tuple[RunTally, list[RunTally], int, list[RunTally]]:
        """What a stats screen shows: (all, one page of the live tasks in scope in task id order
        with their figures (a task without ended runs in the period: zeros), how many such tasks,
        the ``failing`` tasks with the most failures, most first, ties by id, their p95 None).
        Every figure counts ended runs created since ``since``. The page's and the failing
        tasks' figures are counted from their runs (``ix_runs_task``), exactly. With ``now`` and
        no ``owner`` the totals and the failing come from the stored hours (``run_rollups``) and
        the rest of the period counted live; the overall p95 is then read from histograms, within
        2.2 % (``p95_approx``). An owner's view, or no ``now``: all counted from the runs, exact."""
        scope: dict[str, Any] = {"since": since, "task_id": None, "owner": owner, "also_task_ids": also_task_ids}
        live_tasks: list[sa.ColumnElement[bool]] = [tasks.c.deleted_at.is_(None)]
        if owner is not None:
            live_tasks.append(_owned_or(owner, also_task_ids))
        # The stored hours first, in their own transactions: this read's snapshot then sees them.
        rolled = self.rollups.period(since=since, now=now) if now is not None and owner is None else None
        with self.db.read() as conn:
            if not self.db.is_sqlite:  # a month's durations sorted in memory, not on disk
                conn.execute(sa.text("SET LOCAL work_mem = '32MB'"))
            total = int(conn.execute(sa.select(sa.func.count()).select_from(tasks).where(*live_tasks)).scalar_one())
            page_ids = [int(t) for t in conn.execute(sa.select(tasks.c.task_id).where(*live_tasks)
                                                     .order_by(tasks.c.task_id).limit(limit).offset(offset)).scalars()]
            if rolled is not None:
                overall, worst = self._rolled_totals(conn, rolled, failing=failing)
            else:
                overall, worst = self._live_totals(conn, scope, failing=failing)
            shown = set(page_ids) | set(worst)
            figures = self._task_figures(conn, since=since, task_ids=shown) if shown else {}
            names = dict(conn.execute(sa.select(tasks.c.task_id, tasks.c.name).where(tasks.c.task_id.in_(sorted(shown))))
                         .all()) if shown else {}

        def tally(task_id: int, *, p95: bool) -> RunTally:
            found = figures.get(task_id) or _tally_of(task_id, [], [])
            return replace(found, name=names[task_id], p95_us=found.p95_us if p95 else None)

        return overall, [tally(t, p95=True) for t in page_ids], total, [tally(t, p95=False) for t in worst]

    def _live_totals(self, conn: sa.Connection, scope: dict[str, Any], *, failing: int) -> tuple[RunTally, list[int]]:
        """(all, the ``failing`` task ids with most failures) counted from every run in scope:
        the per-task counts grouped once (a CTE), only the worst and the totals come back."""
        per_task = self._per_task(self._ended(**scope)).cte("per_task")
        columns = [per_task.c.runs, per_task.c.completed, per_task.c.failed, per_task.c.skipped, per_task.c.timed,
                   per_task.c.us]
        worst = [int(t) for t in conn.execute(
            sa.select(per_task.c.task_id).where(per_task.c.failed > 0)
            .order_by(per_task.c.failed.desc(), per_task.c.task_id).limit(failing)).scalars()]
        runs_, completed, failed, skipped, timed, us = conn.execute(
            sa.select(*(sa.func.coalesce(sa.func.sum(c), 0) for c in columns))).one()
        overall = RunTally(task_id=None, name="all tasks", runs=int(runs_), completed=int(completed),
                           failed=int(failed), skipped=int(skipped), timed=int(timed), duration_us=int(us),
                           p95_us=self._overall_p95(conn, scope, int(timed)))
        return overall, worst

    def _rolled_totals(self, conn: sa.Connection, rolled: Rolled, *, failing: int) -> tuple[RunTally, list[int]]:
        """(all, the ``failing`` task ids with most failures) from the stored hours of the period
        and its other runs counted live."""
        totals = self.rollups.total(rolled)
        live, durations, failed = Figures(), [], Counter[int]()
        for task_id, status, _, due_at, started_at, finished_at in conn.execute(live_runs(rolled.live)):
            us = live.add_run(status, due_at, started_at, finished_at)
            if us is not None:
                durations.append(us)
            if status == RunStatus.FAILED.value:
                failed[int(task_id)] += 1
        approx = totals.timed > 0
        totals.add(live)
        if approx:
            p95 = totals.p95_us()
        else:
            durations.sort()
            p95 = durations[round(0.95 * (len(durations) - 1))] if durations else None
        stored = self.rollups.failures(conn, rolled.covered(), top=failing + len(failed), also=failed)
        for task_id, count in stored.items():
            failed[task_id] += count
        worst = sorted(failed, key=lambda t: (-failed[t], t))[:failing]
        overall = RunTally(task_id=None, name="all tasks", runs=totals.runs, completed=totals.completed,
                           failed=totals.failed, skipped=totals.skipped, timed=totals.timed,
                           duration_us=totals.duration_us, p95_us=p95, p95_approx=approx)
        return overall, worst

    def _task_figures(self, conn: sa.Connection, *, since: datetime | None, task_ids: set[int]) -> dict[int, RunTally]:
        """Each of ``task_ids``' figures (name left empty) from its ended runs since ``since``,
        exactly: durations in µs, the p95 picked from them sorted."""
        ended = self._ended(since=since, task_id=None, owner=None, also_task_ids=(), only=task_ids)
        statuses: dict[int, list[str]] = {}
        durations: dict[int, list[int]] = {}
        for task_id, status, us in conn.execute(sa.select(ended.c.task_id, ended.c.status, ended.c.us)):
            statuses.setdefault(int(task_id), []).append(status)
            if us is not None:
                durations.setdefault(int(task_id), []).append(int(us))
        return {t: _tally_of(t, seen, durations.get(t, [])) for t, seen in statuses.items()}

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
            # A few tasks' runs (``only``) are found through ``ix_runs_task``; the period is then
            # a filter, written so that no index serves it (PostgreSQL otherwise ANDed the task
            # bitmap with a month of ``ix_runs_created_at``: 300,000 entries for 1,800 rows).
            created = sa.func.coalesce(runs.c.created_at, runs.c.created_at) if only is not None else runs.c.created_at
            query = query.where(created >= since)
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

def _tally_of(task_id: int, statuses: list[str], durations: list[int]) -> RunTally:
    ordered = sorted(durations)
    return RunTally(task_id=task_id, name="", runs=len(statuses),
                    completed=statuses.count(RunStatus.COMPLETED.value), failed=statuses.count(RunStatus.FAILED.value),
                    skipped=statuses.count(RunStatus.SKIPPED.value), timed=len(ordered), duration_us=sum(ordered),
                    p95_us=ordered[round(0.95 * (len(ordered) - 1))] if ordered else None)


def live_runs(ranges: list[tuple[datetime, datetime | None]]) -> sa.Select[Any]:
    """The figure columns of ended runs created in ``ranges`` (``[from, until)``, until None:
    open-ended), each range an index range read of ``ix_runs_created_at``."""
    within = [runs.c.created_at >= a if b is None else sa.and_(runs.c.created_at >= a, runs.c.created_at < b)
              for a, b in ranges]
    return sa.select(*RUN_FIGURE_COLUMNS).where(
        sa.or_(*within) if within else sa.false(),
        runs.c.status.notin_([RunStatus.PENDING.value, RunStatus.RUNNING.value]))


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
