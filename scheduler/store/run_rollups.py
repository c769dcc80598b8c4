"""Figures of closed hours, kept: the stats page's counts, durations and lateness per UTC hour of
creation, so a month of a million runs is ~720 rows read instead of every run of the month.

An hour is *closed* once it ended more than ``GRACE`` ago and no run created in it is pending or
running. From then on nothing in it changes: an ended run never changes status again, and a run
is inserted with the present time as its ``created_at`` (``GRACE`` covers a commit that lands
after its timestamp and engines whose clocks differ by less). The first reader that needs a
closed hour counts it from the runs and stores it (``INSERT ... ON CONFLICT DO NOTHING``: readers
racing write one row); everything else of a period — its partial first hour, the open hours, an
hour with a live run — is read from the runs, live, by the caller. Nothing on the engine's path
writes here.

Durations are kept exactly as a sum (the mean stays exact) and as a histogram with
``PER_OCTAVE`` logarithmic buckets per doubling: a p95 read from it is the bucket's geometric
middle, within 2.2 % of the exact pick.

A run written with a ``created_at`` in an hour already stored (an import of old runs, a clock
more than ``GRACE`` behind) is not in that hour's figures; ``forget_hours`` drops stored hours so
they are counted again."""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..models import RunStatus
from . import dialect
from .base import Database
from .tables import LIVE_RUNS, run_hour_failures, run_hours, runs

GRACE = timedelta(minutes=5)
PER_OCTAVE = 16
BUCKETS = 1 + 48 * PER_OCTAVE  # up to 2**48 µs (8.9 years); longer runs share the last bucket
HOUR = timedelta(hours=1)
_ENDED_OUTCOMES = (RunStatus.COMPLETED.value, RunStatus.FAILED.value, RunStatus.SKIPPED.value)
_LIVE = (RunStatus.PENDING.value, RunStatus.RUNNING.value)
_TIMED = (RunStatus.COMPLETED.value, RunStatus.FAILED.value)
# The columns of a run that the figures are made of (read for the hours counted live).
RUN_FIGURE_COLUMNS = (runs.c.task_id, runs.c.status, runs.c.created_at, runs.c.due_at, runs.c.started_at,
                      runs.c.finished_at)


@dataclass
class Figures:
    """Ended runs of one hour (or of several, added up): what ``run_hours`` holds."""

    runs: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    timed: int = 0
    duration_us: int = 0
    started: int = 0
    late_seconds: float = 0.0
    durations: list[int] = field(default_factory=lambda: [0] * BUCKETS)  # runs per histogram bucket

    def add_run(self, status: str, due_at: datetime, started_at: datetime | None,
                finished_at: datetime | None) -> int | None:
        """Count one ended run; its duration in µs when it is timed (else None)."""
        self.runs += 1
        us = None
        if status == RunStatus.COMPLETED.value:
            self.completed += 1
        elif status == RunStatus.FAILED.value:
            self.failed += 1
        elif status == RunStatus.SKIPPED.value:
            self.skipped += 1
        if status in _TIMED and started_at is not None and finished_at is not None:
            us = (finished_at - started_at) // timedelta(microseconds=1)
            self.timed += 1
            self.duration_us += us
            self.durations[bucket_of(us)] += 1
        if status in _ENDED_OUTCOMES and started_at is not None:
            self.started += 1
            # a run started early (run now, before its due time) counts as on time
            self.late_seconds += max(0.0, (started_at - due_at).total_seconds())
        return us

    def add(self, other: Figures) -> None:
        self.runs += other.runs
        self.completed += other.completed
        self.failed += other.failed
        self.skipped += other.skipped
        self.timed += other.timed
        self.duration_us += other.duration_us
        self.started += other.started
        self.late_seconds += other.late_seconds
        self.durations = list(map(operator.add, self.durations, other.durations))

    def p95_us(self) -> int | None:
        """The nearest-rank p95 (index ``round(0.95 * (timed - 1))``) read from the histogram:
        the middle of the bucket it falls in."""
        if not self.timed:
            return None
        rank, seen = round(0.95 * (self.timed - 1)), 0
        for bucket, count in enumerate(self.durations):
            seen += count
            if seen > rank:
                return middle_of(bucket)
        raise AssertionError("histogram smaller than its count")  # pragma: no cover


def bucket_of(us: int) -> int:
    """The histogram bucket of a duration in µs: 0 for none (or a negative clock step), else
    ``1 + floor(log2(us) * PER_OCTAVE)``."""
    return 0 if us < 1 else min(BUCKETS - 1, 1 + math.floor(math.log2(us) * PER_OCTAVE))


def middle_of(bucket: int) -> int:
    """The duration (µs) a bucket stands for: the geometric middle of its bounds."""
    return 0 if bucket < 1 else round(2 ** ((bucket - 0.5) / PER_OCTAVE))


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_after(at: datetime) -> datetime:
    """The first whole hour at or after ``at``."""
    floor = hour_of(at)
    return floor if floor == at else floor + HOUR


@dataclass
class Rolled:
    """A period seen through the stored hours: the hours' figures, and the ranges of creation
    times (``[from, until)``, ``until`` None: open-ended) whose runs are still to be counted live."""

    hours: dict[datetime, Figures]
    live: list[tuple[datetime, datetime | None]]

    def covered(self) -> list[tuple[datetime, datetime]]:
        """The stored hours as contiguous ``[from, until)`` ranges."""
        return _spans(sorted(self.hours))


class RunRollups:
    """The stored hours: found, counted where missing, and the live remainder of a period."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def period(self, *, since: datetime | None, now: datetime) -> Rolled:
        """Every closed hour from ``since`` (None: the first run) to ``now`` with its figures
        (counted and stored first where missing), and the creation-time ranges of the period the
        stored hours don't cover. ``since``'s partial hour is always live."""
        with self.db.read() as conn:
            if since is None:
                first_at = conn.execute(sa.select(sa.func.min(runs.c.created_at))).scalar()
                if first_at is None:
                    return Rolled(hours={}, live=[])
                since = hour_of(first_at)
            first, end = hour_after(since), hour_of(now - GRACE)
            hours: dict[datetime, Figures] = {}
            if first < end:
                for row in conn.execute(run_hours.select().where(run_hours.c.hour_at >= first,
                                                                 run_hours.c.hour_at < end)):
                    hours[row.hour_at] = _figures_of(row)
                open_hours = {hour_of(at) for (at,) in conn.execute(
                    sa.select(runs.c.created_at).where(LIVE_RUNS, runs.c.created_at < end))}
        if first < end:
            missing = [h for h in _hours(first, end) if h not in hours and h not in open_hours]
            for start, until in _spans(missing):
                hours.update(self._roll_up(start, until))
        return Rolled(hours=hours, live=_gaps(since, sorted(hours)))

    def forget_hours(self, *, since: datetime | None = None) -> int:
        """Drop the stored hours from ``since`` (None: all): the next reader counts them again."""
        with self.db.write() as conn:
            where = [] if since is None else [run_hours.c.hour_at >= hour_of(since)]
            conn.execute(run_hour_failures.delete().where(
                *([] if since is None else [run_hour_failures.c.hour_at >= hour_of(since)])))
            return int(conn.execute(run_hours.delete().where(*where)).rowcount)

    def failures(self, conn: sa.Connection, spans: list[tuple[datetime, datetime]], *, top: int,
                 also: Iterable[int] = ()) -> dict[int, int]:
        """Failed runs per task in the stored hours ``spans``: the ``top`` tasks with the most
        (ties by task id) and the tasks ``also``."""
        if not spans:
            return {}
        within = sa.or_(*(sa.and_(run_hour_failures.c.hour_at >= a, run_hour_failures.c.hour_at < b)
                          for a, b in spans))
        failed = sa.func.sum(run_hour_failures.c.failed)
        query = sa.select(run_hour_failures.c.task_id, failed).where(within).group_by(run_hour_failures.c.task_id)
        found = {int(t): int(n) for t, n in conn.execute(query.order_by(failed.desc(), run_hour_failures.c.task_id)
                                                         .limit(top))}
        extra = sorted(set(also) - set(found))
        if extra:
            found.update({int(t): int(n) for t, n in conn.execute(
                query.where(run_hour_failures.c.task_id.in_(extra)))})
        return found

    def _roll_up(self, start: datetime, until: datetime) -> dict[datetime, Figures]:
        """Count the closed hours ``[start, until)`` from the runs and store them (a day at a
        time: short write transactions)."""
        counted: dict[datetime, Figures] = {}
        for chunk_start in _hours(start, until, step=timedelta(days=1)):
            chunk_end = min(until, chunk_start + timedelta(days=1))
            figures = {h: Figures() for h in _hours(chunk_start, chunk_end)}
            failures: dict[tuple[datetime, int], int] = {}
            with self.db.read() as conn:
                for task_id, status, created_at, due_at, started_at, finished_at in conn.execute(
                        sa.select(*RUN_FIGURE_COLUMNS).where(runs.c.created_at >= chunk_start,
                                                             runs.c.created_at < chunk_end,
                                                             runs.c.status.notin_(_LIVE))):
                    hour = hour_of(created_at)
                    figures[hour].add_run(status, due_at, started_at, finished_at)
                    if status == RunStatus.FAILED.value:
                        failures[(hour, task_id)] = failures.get((hour, task_id), 0) + 1
            with self.db.write() as conn:
                conn.execute(dialect.insert(self.db.engine, run_hours).on_conflict_do_nothing(),
                             [_row_of(h, f) for h, f in figures.items()])
                if failures:
                    conn.execute(dialect.insert(self.db.engine, run_hour_failures).on_conflict_do_nothing(),
                                 [{"hour_at": h, "task_id": t, "failed": n} for (h, t), n in failures.items()])
            counted.update(figures)
        return counted


def _hours(start: datetime, until: datetime, *, step: timedelta = HOUR) -> Iterator[datetime]:
    at = start
    while at < until:
        yield at
        at += step


def _spans(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted hours as contiguous ``[from, until)`` ranges."""
    spans: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour:
            spans[-1] = (spans[-1][0], hour + HOUR)
        else:
            spans.append((hour, hour + HOUR))
    return spans


def _gaps(since: datetime, stored: list[datetime]) -> list[tuple[datetime, datetime | None]]:
    """``[since, ∞)`` less the stored (sorted) hours."""
    gaps: list[tuple[datetime, datetime | None]] = []
    at = since
    for start, until in _spans(stored):
        if at < start:
            gaps.append((at, start))
        at = max(at, until)
    gaps.append((at, None))
    return gaps


def _figures_of(row: Any) -> Figures:
    durations = [0] * BUCKETS
    packed = json.loads(row.durations)
    if packed:
        durations[packed[0]:packed[0] + len(packed) - 1] = packed[1:]
    return Figures(runs=row.runs, completed=row.completed, failed=row.failed, skipped=row.skipped,
                   timed=row.timed, duration_us=int(row.duration_us), started=row.started,
                   late_seconds=float(row.late_seconds), durations=durations)


def _row_of(hour: datetime, f: Figures) -> dict[str, Any]:
    """A ``run_hours`` row; the histogram as ``[first bucket, count, count, ...]`` (dense)."""
    used = [b for b, n in enumerate(f.durations) if n]
    packed = [used[0], *f.durations[used[0]:used[-1] + 1]] if used else []
    return {"hour_at": hour, "runs": f.runs, "completed": f.completed, "failed": f.failed, "skipped": f.skipped,
            "timed": f.timed, "duration_us": f.duration_us, "started": f.started, "late_seconds": f.late_seconds,
            "durations": json.dumps(packed, separators=(",", ":"))}
